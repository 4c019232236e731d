import type { NextFunction, Request, Response } from 'express';
import { INTERNAL_HEADERS, signInternalRequest } from './identity';
import { UNSIGNED_CALLER, requireInternalSignature } from './server';

// The subgraphs' signature check, on hand-made requests: what passes, as whom, and what gets 401.

const key = 'test-signing-key';
const alice = { sub: 'alice', role: 'customer' as const };
const body = '{"query":"{ product(sku: \\"A\\") { sku } }"}';

function run(allowUnsigned: boolean, headers: Record<string, string>) {
  const req = { headers, method: 'POST', originalUrl: '/graphql', rawBody: Buffer.from(body) } as unknown as Request;
  const answer: { status?: number; locals: Record<string, unknown>; passed: boolean } = { locals: {}, passed: false };
  const res = {
    locals: answer.locals,
    status(code: number) {
      answer.status = code;
      return this;
    },
    json: () => undefined,
  } as unknown as Response;
  requireInternalSignature(key, { allowUnsigned })(req, res, (() => (answer.passed = true)) as NextFunction);
  return answer;
}

const signedFor = (identity: typeof alice | null, signingKey = key) =>
  signInternalRequest(signingKey, { caller: 'gateway', identity, method: 'POST', path: '/graphql', body });

describe('internal signature check', () => {
  it('refuses an unsigned request by default', () => {
    expect(run(false, {})).toMatchObject({ status: 401, passed: false });
  });

  it('passes a signed request with its identity', () => {
    expect(run(false, signedFor(alice))).toEqual({ locals: { identity: alice, caller: 'gateway' }, passed: true });
  });

  describe('with INSECURE_SKIP_SIGNATURE_CHECK', () => {
    it('lets an unsigned request through as anonymous, whatever identity it claims', () => {
      const claimed = { [INTERNAL_HEADERS.identity]: Buffer.from(JSON.stringify(alice)).toString('base64url') };
      expect(run(true, claimed)).toEqual({ locals: { identity: null, caller: UNSIGNED_CALLER }, passed: true });
    });

    it('still verifies a signed request', () => {
      expect(run(true, signedFor(alice))).toEqual({ locals: { identity: alice, caller: 'gateway' }, passed: true });
      expect(run(true, signedFor(alice, 'another-key'))).toMatchObject({ status: 401, passed: false });
    });
  });
});
