import type { Config } from '@shop/platform';
import { signClientToken } from '@shop/gateway/src/auth';

export interface BannerFacts {
  gatewayUrl: string;
  /** The gateway's configuration: how the customer token is signed, which development secrets are in use. */
  gatewayConfig: Config;
  /** Each service and the port it listens on. */
  services: Record<string, number>;
  seeded: { created: string[]; existing: string[] };
  /** Lines about how this start runs the system, printed first. */
  notes?: string[];
}

const FIRST_QUERY = '{ products(first: 3) { items { sku name price { amount currency } stock { available } } } }';

const siteOf = (gatewayUrl: string): string => new URL(gatewayUrl).origin;

/** What both launchers print once the shop is up: the gateway URL, the storefront, a customer token, a first query. */
export async function banner(facts: BannerFacts): Promise<string> {
  const { gatewayUrl, gatewayConfig, services, seeded } = facts;
  const customer = await signClientToken(
    gatewayConfig.jwt,
    { sub: 'demo-customer', role: 'customer', email: 'demo@example.com' },
    24 * 3600,
  );
  return [
    '',
    '================================================================',
    ...(facts.notes ?? []).map((note) => ` ${note}`),
    ` The shop is up. Gateway: ${gatewayUrl}`,
    ...(gatewayConfig.production ? [] : [` Storefront: ${siteOf(gatewayUrl)}/   GraphQL explorer: ${siteOf(gatewayUrl)}/graphiql`]),
    ` Services: ${Object.entries(services)
      .map(([name, port]) => `${name} :${port}`)
      .join(', ')}`,
    ` Demo catalogue: ${seeded.created.length} products created, ${seeded.existing.length} already there`,
    gatewayConfig.devDefaults.length ? ` Development secrets in use (never in production): ${gatewayConfig.devDefaults.join(', ')}` : '',
    '',
    ' A customer token (24 h; `npm run token -- --sub <id>` makes more):',
    ` ${customer}`,
    '',
    ' A first query:',
    `   curl -s ${gatewayUrl} -H 'content-type: application/json' \\`,
    `     -d '${JSON.stringify({ query: FIRST_QUERY })}'`,
    '',
    ' Your cart (with the token):',
    `   curl -s ${gatewayUrl} -H 'content-type: application/json' -H "authorization: Bearer <token>" \\`,
    `     -d '{"query":"mutation { addToCart(sku: \\"TRAIL-SHOE-42\\", quantity: 1) { total { amount currency } } }"}'`,
    '',
    ' Ctrl-C stops everything.',
    '================================================================',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}
