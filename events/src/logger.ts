import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; `LOG_LEVEL` sets the level. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { service: name } });
}

/** A URL fit for a log line: its password replaced by ***. */
export const redactCredentials = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
