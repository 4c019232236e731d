import { MutationRateLimiter, rateLimitKey } from './rate-limit';

describe('mutation rate limit', () => {
  it('lets each caller run its limit per minute, then says how long to wait until the next minute', () => {
    let now = 1_000_000;
    const limiter = new MutationRateLimiter(3, () => now);
    expect([limiter.take('sub:a'), limiter.take('sub:a'), limiter.take('sub:a')]).toEqual([undefined, undefined, undefined]);
    now += 20_000;
    expect(limiter.take('sub:a')).toBe(40);
    expect(limiter.take('sub:b')).toBeUndefined();
    now += 40_000;
    expect(limiter.take('sub:a')).toBeUndefined();
  });

  it('keys a caller by its token subject, and an anonymous one by its address', () => {
    expect(rateLimitKey({ identity: { sub: 'c-1', role: 'customer' }, clientAddress: '10.0.0.1' })).toBe('sub:c-1');
    expect(rateLimitKey({ identity: null, clientAddress: '10.0.0.1' })).toBe('address:10.0.0.1');
  });
});
