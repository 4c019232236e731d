import { parseEnv } from '@shop/platform';
import { z } from 'zod';

// The payment service's own settings, read from the same environment as the shared configuration.

const DAY_MS = 24 * 60 * 60 * 1000;

const Env = z.object({
  PAYMENT_SLOW_MS: z.coerce.number().int().min(0).max(DAY_MS).default(45_000),
});

export interface PaymentSettings {
  /** How late `tok_slow` succeeds: by default past the saga's step deadline, so the saga must refund it. */
  slowPaymentMs: number;
}

export function loadPaymentSettings(env: NodeJS.ProcessEnv = process.env): PaymentSettings {
  return { slowPaymentMs: parseEnv(Env, env).PAYMENT_SLOW_MS };
}
