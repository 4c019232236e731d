import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

export const EMAIL_KINDS = ['ORDER_CONFIRMATION', 'ORDER_SHIPPED', 'ORDER_REFUNDED', 'LOW_STOCK'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/**
 * One rendered email. It is written in the transaction of the event that caused it, under a key
 * that names what it is about (`dedupKey`), so each is written once; the delivery worker then hands
 * it to the sender.
 */
export const EmailMessage = defineEntity({
  name: 'EmailMessage',
  tableName: 'emails',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** e.g. `ORDER_CONFIRMATION:<orderId>`: the same fact never makes a second email. */
    dedupKey: p.string().unique(),
    kind: p.enum([...EMAIL_KINDS]),
    recipient: p.string(),
    subject: p.string(),
    text: p.text(),
    html: p.text(),
    orderId: p.uuid().nullable(),
    sku: p.string().nullable(),
    status: p.enum(['PENDING', 'SENT', 'FAILED']),
    /** The sender that took it (`database` or `smtp`), once sent. */
    sender: p.string().nullable(),
    attempts: p.integer(),
    nextAttemptAt: p.datetime().columnType('timestamptz'),
    lastError: p.text().nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type EmailMessage = InferEntity<typeof EmailMessage>;
