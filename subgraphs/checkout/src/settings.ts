import { z } from 'zod';

const Settings = z.object({
  CHECKOUT_STEP_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
});

export interface CheckoutSettings {
  /** Each saga state's deadline. */
  stepTimeoutMs: number;
}

export function loadCheckoutSettings(env: NodeJS.ProcessEnv = process.env): CheckoutSettings {
  const parsed = Settings.safeParse(env);
  if (!parsed.success) throw new Error(`invalid CHECKOUT_STEP_TIMEOUT_MS: ${parsed.error.issues[0].message}`);
  return { stepTimeoutMs: parsed.data.CHECKOUT_STEP_TIMEOUT_MS };
}
