import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (tests may pass another destination); `LOG_LEVEL` sets the level. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return destination ? pino({ name, level, base: { service: name } }, destination) : pino({ name, level, base: { service: name } });
}

/** A URL fit for a log line: its password replaced by ***. */
export const redactCredentials = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/** The header that carries a request's correlation id from the client, through the gateway, to the subgraphs. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

const CorrelationIdShape = /^[A-Za-z0-9._:-]{1,100}$/;

/** A correlation id a caller sent, if it is fit to log and to carry in messages; undefined otherwise. */
export function acceptedCorrelationId(value: string | string[] | undefined | null): string | undefined {
  return typeof value === 'string' && CorrelationIdShape.test(value) ? value : undefined;
}
