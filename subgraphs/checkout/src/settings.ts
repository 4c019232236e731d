import { parseEnv } from '@shop/platform';
import { z } from 'zod';

const Settings = z.object({
  CHECKOUT_STEP_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
});

export interface CheckoutSettings {
  /** Each saga state's deadline. */
  stepTimeoutMs: number;
}

export function loadCheckoutSettings(env: NodeJS.ProcessEnv = process.env): CheckoutSettings {
  return { stepTimeoutMs: parseEnv(Settings, env).CHECKOUT_STEP_TIMEOUT_MS };
}
