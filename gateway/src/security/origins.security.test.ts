import { OriginPolicy } from './origins';

describe('origin policy for WebSocket upgrades', () => {
  const listed = new OriginPolicy(['https://shop.example'], false);

  it('accepts a listed origin, the gateway own origin, and a client that is no browser page', () => {
    expect(listed.mayConnect('https://shop.example', 'api.shop.example')).toBe(true);
    expect(listed.mayConnect('https://api.shop.example', 'api.shop.example')).toBe(true);
    expect(listed.mayConnect(undefined, 'api.shop.example')).toBe(true);
  });

  it('refuses any other origin when a list is set, or in production mode', () => {
    expect(listed.mayConnect('https://evil.example', 'api.shop.example')).toBe(false);
    expect(listed.mayConnect('null', 'api.shop.example')).toBe(false);
    expect(new OriginPolicy(undefined, true).mayConnect('https://evil.example', 'api.shop.example')).toBe(false);
    expect(new OriginPolicy(undefined, true).mayConnect('https://api.shop.example', 'api.shop.example')).toBe(true);
  });

  it('checks no origin outside production mode without a list', () => {
    expect(new OriginPolicy(undefined, false).mayConnect('http://localhost:5173', '127.0.0.1:4000')).toBe(true);
  });
});
