import type { IncomingMessage, ServerResponse } from 'node:http';

const PREFLIGHT_MAX_AGE_SECONDS = 600;
// What the gateway's clients send: JSON, a bearer token, and the headers that satisfy CSRF prevention.
const ALLOWED_REQUEST_HEADERS = 'content-type, authorization, apollo-require-preflight, x-apollo-operation-name';

/**
 * Which browser pages may use the gateway. A page of the gateway's own origin always may; pages of
 * other origins only when CORS_ORIGINS lists them. Without CORS_ORIGINS, outside production mode,
 * WebSocket upgrades are not checked (local tools), but no other origin is granted CORS either.
 * Requests without an Origin header do not come from a browser page and are not this policy's concern.
 */
export class OriginPolicy {
  constructor(
    private readonly allowedOrigins: readonly string[] | undefined,
    private readonly production: boolean,
  ) {}

  /** Whether a WebSocket upgrade from this Origin, to the gateway reached as `host`, is accepted. */
  mayConnect(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.isOwnOrListed(origin, host)) return true;
    return this.allowedOrigins === undefined && !this.production;
  }

  /**
   * CORS on /graphql. Answers a preflight itself (204 for a listed origin, 403 otherwise) and then
   * returns true; for any other request, adds the headers that let a listed origin read the answer.
   */
  answerCors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    const listed = this.allowedOrigins?.includes(origin) ?? false;
    res.setHeader('Vary', 'Origin');
    if (listed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    }
    const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!isPreflight) return false;
    if (listed) {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_REQUEST_HEADERS);
      res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      res.end();
    } else {
      res.statusCode = 403;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ message: `origin ${origin} may not call this API`, extensions: { code: 'FORBIDDEN' } }] }));
    }
    return true;
  }

  private isOwnOrListed(origin: string, host: string | undefined): boolean {
    return this.allowedOrigins?.includes(origin) || (host !== undefined && hostOf(origin) === host.toLowerCase());
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
