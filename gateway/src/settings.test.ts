import { ConfigError } from '@shop/platform';
import { loadGatewaySettings } from './settings';

describe('gateway settings', () => {
  it('has defaults in the spirit of GraphQL Armor', () => {
    expect(loadGatewaySettings({})).toEqual({
      limits: { maxDepth: 10, maxAliases: 15, maxDirectives: 50, maxTokens: 1000, maxCost: 20000, maxRootFields: 10 },
      maxBodyBytes: 1024 * 1024,
      wsMaxPayloadBytes: 64 * 1024,
      mutationsPerMinute: 1000,
      corsOrigins: undefined,
    });
  });

  it('reads each from its environment variable', () => {
    const settings = loadGatewaySettings({
      GATEWAY_MAX_DEPTH: '4',
      GATEWAY_MAX_COST: '900',
      GATEWAY_RATE_LIMIT_MUTATIONS_PER_MINUTE: '50000',
      CORS_ORIGINS: 'https://shop.example, http://localhost:5173,',
    });
    expect(settings.limits).toMatchObject({ maxDepth: 4, maxCost: 900 });
    expect(settings.mutationsPerMinute).toBe(50000);
    expect(settings.corsOrigins).toEqual(['https://shop.example', 'http://localhost:5173']);
  });

  it.each([
    [{ GATEWAY_MAX_DEPTH: '0' }, /GATEWAY_MAX_DEPTH/],
    [{ GATEWAY_MAX_TOKENS: 'many' }, /GATEWAY_MAX_TOKENS/],
    [{ CORS_ORIGINS: 'https://shop.example/path' }, /CORS_ORIGINS: must be origins/],
    [{ CORS_ORIGINS: 'shop.example' }, /CORS_ORIGINS: must be origins/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadGatewaySettings(env)).toThrow(ConfigError);
    expect(() => loadGatewaySettings(env)).toThrow(message);
  });
});
