import { loadConfig } from '@shop/platform';
import { createTokenVerifier } from '@shop/gateway/src/auth';
import { banner } from './banner';

describe('banner', () => {
  it('gives the gateway URL, every service with its port, the notes, a customer token that verifies and a first query', async () => {
    const gatewayConfig = loadConfig('gateway', {});
    const text = await banner({
      gatewayUrl: 'http://127.0.0.1:4000/graphql',
      gatewayConfig,
      services: { product: 4001, analytics: 4007 },
      seeded: { created: ['A'], existing: ['B', 'C'] },
      notes: ['EMBEDDED mode'],
    });
    expect(text).toContain(' EMBEDDED mode\n The shop is up. Gateway: http://127.0.0.1:4000/graphql');
    expect(text).toContain('Storefront: http://127.0.0.1:4000/   GraphQL explorer: http://127.0.0.1:4000/graphiql');
    expect(text).toContain('Services: product :4001, analytics :4007');
    expect(text).toContain('Demo catalogue: 1 products created, 2 already there');
    expect(text).toContain("curl -s http://127.0.0.1:4000/graphql -H 'content-type: application/json'");
    const token = text.split('\n')[text.split('\n').findIndex((line) => line.includes('A customer token')) + 1].trim();
    await expect(createTokenVerifier(gatewayConfig.jwt)(token)).resolves.toMatchObject({ sub: 'demo-customer', role: 'customer' });
  });
});
