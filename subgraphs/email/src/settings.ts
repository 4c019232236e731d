import { parseEnv } from '@shop/platform';
import { z } from 'zod';

export interface EmailSettings {
  /** Where LowStockAlert emails go. */
  adminEmail: string;
  /** The From of every email. */
  from: string;
  /** Send through this SMTP server (smtp:// or smtps://); unset, emails are only written to the database. */
  smtpUrl: string | null;
  /** How often the delivery worker looks for emails to send. */
  deliveryIntervalMs: number;
}

const EmailEnv = z.object({
  ADMIN_EMAIL: z.email().default('admin@shop.local'),
  EMAIL_FROM: z.string().min(3).default('Shop <shop@shop.local>'),
  SMTP_URL: z
    .url()
    .refine((url) => /^smtps?:\/\//.test(url), 'must start with smtp:// or smtps://')
    .optional(),
  EMAIL_DELIVERY_INTERVAL_MS: z.coerce.number().int().positive().default(500),
});

export function loadEmailSettings(env: NodeJS.ProcessEnv = process.env): EmailSettings {
  const e = parseEnv(EmailEnv, env);
  return { adminEmail: e.ADMIN_EMAIL, from: e.EMAIL_FROM, smtpUrl: e.SMTP_URL ?? null, deliveryIntervalMs: e.EMAIL_DELIVERY_INTERVAL_MS };
}
