import { INTERNAL_HEADERS, SIGNATURE_LIFETIME_MS, signInternalRequest, verifyInternalRequest } from './identity';

const key = 'test-signing-key';
const request = {
  caller: 'gateway',
  identity: { sub: 'alice', role: 'customer' as const, email: 'alice@example.com' },
  method: 'POST',
  path: '/graphql',
  body: '{"query":"{ myCart { total { amount } } }"}',
};

describe('internal request signatures', () => {
  it('verifies what it signed, with the identity and the caller', () => {
    const headers = signInternalRequest(key, request);
    expect(verifyInternalRequest(key, { ...request, headers })).toEqual({ ok: true, identity: request.identity, caller: 'gateway' });
  });

  it('carries an anonymous request', () => {
    const headers = signInternalRequest(key, { ...request, identity: null });
    expect(verifyInternalRequest(key, { ...request, headers })).toEqual({ ok: true, identity: null, caller: 'gateway' });
  });

  it('refuses a request without a signature', () => {
    expect(verifyInternalRequest(key, { ...request, headers: {} })).toEqual({ ok: false, reason: 'missing internal signature' });
  });

  it.each([
    ['another body', { body: '{"query":"{ orders { items { id } } }"}' }],
    ['another path', { path: '/graphql?x=1' }],
    ['another method', { method: 'GET' }],
  ])('refuses the signature replayed with %s', (_, change) => {
    const headers = signInternalRequest(key, request);
    expect(verifyInternalRequest(key, { ...request, ...change, headers })).toEqual({ ok: false, reason: 'invalid internal signature' });
  });

  it('refuses a forged identity and another key', () => {
    const headers = signInternalRequest(key, request);
    const forged = {
      ...headers,
      [INTERNAL_HEADERS.identity]: Buffer.from(JSON.stringify({ sub: 'alice', role: 'admin' })).toString('base64url'),
    };
    expect(verifyInternalRequest(key, { ...request, headers: forged })).toEqual({ ok: false, reason: 'invalid internal signature' });
    expect(verifyInternalRequest('other-key', { ...request, headers })).toEqual({ ok: false, reason: 'invalid internal signature' });
  });

  it('refuses a signature older or newer than its lifetime', () => {
    const now = Date.now();
    const headers = signInternalRequest(key, request, now - SIGNATURE_LIFETIME_MS - 1);
    expect(verifyInternalRequest(key, { ...request, headers }, now)).toEqual({ ok: false, reason: 'internal signature expired' });
    const future = signInternalRequest(key, request, now + SIGNATURE_LIFETIME_MS + 1);
    expect(verifyInternalRequest(key, { ...request, headers: future }, now)).toEqual({ ok: false, reason: 'internal signature expired' });
  });
});
