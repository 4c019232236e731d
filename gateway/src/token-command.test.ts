import { createTokenVerifier } from './auth';
import { DEFAULT_TTL_SECONDS, USAGE, UsageError, parseTokenArgs, runTokenCommand } from './token-command';

describe('token command arguments', () => {
  it('takes a subject, with the customer role and a default lifetime', () => {
    expect(parseTokenArgs(['--sub', 'alice'])).toEqual({ identity: { sub: 'alice', role: 'customer' }, ttlSeconds: DEFAULT_TTL_SECONDS });
  });

  it('takes a role, an email and a lifetime', () => {
    expect(parseTokenArgs(['--sub', 'root', '--role', 'admin', '--email', 'root@example.com', '--ttl', '60'])).toEqual({
      identity: { sub: 'root', role: 'admin', email: 'root@example.com' },
      ttlSeconds: 60,
    });
    expect(parseTokenArgs(['--sub=bob', '--ttl=7200']).ttlSeconds).toBe(7200);
  });

  it.each([
    [[], '--sub <id> is required'],
    [['--sub', ''], '--sub <id> is required'],
    [['--sub', 'a', '--role', 'root'], '--role must be customer or admin, not "root"'],
    [['--sub', 'a', '--email', 'nobody'], '--email must be an address, not "nobody"'],
    [['--sub', 'a', '--ttl', '0'], '--ttl must be a whole number of seconds from 1 to 2592000, not "0"'],
    [['--sub', 'a', '--ttl', '1.5'], '--ttl must be a whole number of seconds from 1 to 2592000, not "1.5"'],
    [['--sub', 'a', '--ttl', 'soon'], '--ttl must be a whole number of seconds from 1 to 2592000, not "soon"'],
    [['--sub', 'a', '--admin'], "Unknown option '--admin'"],
    [['--sub', 'a', 'extra'], 'extra'],
    [['--sub'], "Option '--sub <value>' argument missing"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(UsageError);
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });
});

describe('token command', () => {
  const env = { JWT_SECRET: 'unit-test-secret-0123456789-0123456789', JWT_ISSUER: 'shop-test', JWT_AUDIENCE: 'shop-api-test' };
  const run = async (argv: string[], environment: NodeJS.ProcessEnv = env) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTokenCommand(argv, environment, { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out, err };
  };

  it('prints, as its last line, a token for the configured secret, issuer and audience', async () => {
    const { code, out, err } = await run(['--sub', 'alice', '--email', 'alice@example.com']);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const verify = createTokenVerifier({ secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE });
    await expect(verify(out[out.length - 1])).resolves.toEqual({ sub: 'alice', role: 'customer', email: 'alice@example.com' });
  });

  it('exits 2 with the usage on bad flags, and prints no token', async () => {
    expect(await run(['--sub', 'a', '--role', 'root'])).toEqual({
      code: 2,
      out: [],
      err: ['error: --role must be customer or admin, not "root"', USAGE],
    });
  });

  it('exits 1 when there is no secret to sign with', async () => {
    const { code, out, err } = await run(['--sub', 'a'], { NODE_ENV: 'production', INTERNAL_SIGNING_KEY: 'k' });
    expect({ code, out }).toEqual({ code: 1, out: [] });
    expect(err[0]).toMatch(/^error: production mode needs JWT_SECRET/);
  });
});
