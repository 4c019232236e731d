import { ConfigError, loadConfig } from './config';

describe('INSECURE_SKIP_SIGNATURE_CHECK', () => {
  const productionSecrets = { NODE_ENV: 'production', JWT_SECRET: 'a-real-secret', INTERNAL_SIGNING_KEY: 'a-real-key' };

  it('is off unless set', () => {
    expect(loadConfig('product', {}).insecureSkipSignatureCheck).toBe(false);
    expect(loadConfig('product', productionSecrets).insecureSkipSignatureCheck).toBe(false);
  });

  it('turns on outside production with the value benchmark-only', () => {
    expect(loadConfig('product', { INSECURE_SKIP_SIGNATURE_CHECK: 'benchmark-only' }).insecureSkipSignatureCheck).toBe(true);
  });

  it('takes no other value', () => {
    expect(() => loadConfig('product', { INSECURE_SKIP_SIGNATURE_CHECK: 'true' })).toThrow(
      new ConfigError('invalid environment: INSECURE_SKIP_SIGNATURE_CHECK: must be "benchmark-only" or unset'),
    );
  });

  it('makes production mode refuse to start, saying why', () => {
    expect(() => loadConfig('product', { ...productionSecrets, INSECURE_SKIP_SIGNATURE_CHECK: 'benchmark-only' })).toThrow(ConfigError);
    expect(() => loadConfig('product', { ...productionSecrets, INSECURE_SKIP_SIGNATURE_CHECK: 'benchmark-only' })).toThrow(
      /INSECURE_SKIP_SIGNATURE_CHECK is set: refusing to start in production mode, because it lets unsigned requests reach the subgraphs as anonymous/,
    );
  });
});
