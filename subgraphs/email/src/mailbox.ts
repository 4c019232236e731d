import type { EntityManager } from '@mikro-orm/core';
import type { DataOf, Envelope, HandlerContext, LowStockAlert, OrderCreated, OrderRefunded, OrderShipped } from '@shop/events';
import { type EmailKind, EmailMessage } from './entities/email-message.entity';
import { type RenderedEmail, lowStock, orderConfirmation, orderRefunded, orderShipped } from './templates';

// Each event that deserves an email writes it, rendered, in the transaction that records the event
// in the inbox; the delivery worker sends it afterwards. The key names the fact, so the same fact
// announced twice (even under a new event id) writes one email.

interface Letter {
  kind: EmailKind;
  key: string;
  to: string;
  content: RenderedEmail;
  orderId?: string;
  sku?: string;
}

async function write(em: EntityManager, letter: Letter): Promise<void> {
  const dedupKey = `${letter.kind}:${letter.key}`;
  if (await em.findOne(EmailMessage, { dedupKey })) return;
  em.create(EmailMessage, {
    dedupKey,
    kind: letter.kind,
    recipient: letter.to,
    ...letter.content,
    orderId: letter.orderId ?? null,
    sku: letter.sku ?? null,
    status: 'PENDING',
    sender: null,
    attempts: 0,
    nextAttemptAt: new Date(),
    lastError: null,
    sentAt: null,
  });
}

/** An order whose customer gave no email address (a token without the claim) gets none. */
function customerAddress({ logger }: HandlerContext, data: { orderId: string; email: string | null }, kind: EmailKind): string | null {
  if (!data.email) logger.info({ orderId: data.orderId, kind }, 'the order carries no customer email: no email written');
  return data.email;
}

export async function confirmOrder(context: HandlerContext, { data }: Envelope<DataOf<typeof OrderCreated>>): Promise<void> {
  const to = customerAddress(context, data, 'ORDER_CONFIRMATION');
  if (to)
    await write(context.em, { kind: 'ORDER_CONFIRMATION', key: data.orderId, to, content: orderConfirmation(data), orderId: data.orderId });
}

export async function announceShipment(context: HandlerContext, { data }: Envelope<DataOf<typeof OrderShipped>>): Promise<void> {
  const to = customerAddress(context, data, 'ORDER_SHIPPED');
  if (to) await write(context.em, { kind: 'ORDER_SHIPPED', key: data.orderId, to, content: orderShipped(data), orderId: data.orderId });
}

export async function announceRefund(context: HandlerContext, { data }: Envelope<DataOf<typeof OrderRefunded>>): Promise<void> {
  const to = customerAddress(context, data, 'ORDER_REFUNDED');
  if (to) await write(context.em, { kind: 'ORDER_REFUNDED', key: data.refundRef, to, content: orderRefunded(data), orderId: data.orderId });
}

/** One email per alert: a SKU that is restocked and runs low again is announced again (a new sequence). */
export async function warnAdmins(
  { em }: HandlerContext,
  adminEmail: string,
  { data, sequence }: Envelope<DataOf<typeof LowStockAlert>>,
): Promise<void> {
  await write(em, { kind: 'LOW_STOCK', key: `${data.sku}:${sequence}`, to: adminEmail, content: lowStock(data), sku: data.sku });
}
