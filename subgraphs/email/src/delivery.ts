import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '@shop/events';
import { type SubgraphHandles, startPeriodic } from '@shop/platform';
import { EmailMessage } from './entities/email-message.entity';
import type { EmailSender } from './senders';

// Hands written emails to the sender. Rows are claimed with SKIP LOCKED, so several instances never
// send one email twice; a refusal is tried again with a growing delay, and given up after a while.

const BATCH = 20;
export const MAX_ATTEMPTS = 8;
const MAX_DELAY_MS = 5 * 60 * 1000;

const DUE = `select id from emails where status = 'PENDING' and next_attempt_at <= now() order by id limit ? for update skip locked`;

/** Sends what is due, one transaction per batch; returns how many were sent. */
export async function deliverDueEmails(em: EntityManager, sender: EmailSender, logger: Logger): Promise<number> {
  let sent = 0;
  for (;;) {
    const claimed = await em.fork().transactional(async (tx) => {
      const due: { id: number }[] = await tx.getConnection().execute(DUE, [BATCH], 'all', tx.getTransactionContext());
      if (due.length === 0) return 0;
      const emails = await tx.find(EmailMessage, { id: { $in: due.map((row) => row.id) } }, { orderBy: { id: 'asc' } });
      for (const email of emails) {
        try {
          await sender.send({ to: email.recipient, subject: email.subject, text: email.text, html: email.html });
          Object.assign(email, { status: 'SENT', sender: sender.name, sentAt: new Date(), lastError: null });
          sent += 1;
        } catch (err) {
          email.attempts += 1;
          email.lastError = (err as Error).message.slice(0, 1000);
          if (email.attempts >= MAX_ATTEMPTS) email.status = 'FAILED';
          else email.nextAttemptAt = new Date(Date.now() + Math.min(1000 * 2 ** email.attempts, MAX_DELAY_MS));
          logger.warn({ emailId: email.id, attempts: email.attempts, err: email.lastError }, `${sender.name} did not take an email`);
        }
      }
      return emails.length;
    });
    if (claimed < BATCH) return sent;
  }
}

/** The background delivery, started with the service and stopped before it (finishing a pass in flight). */
export function emailDeliveryWorker(sender: EmailSender, intervalMs: number) {
  return (service: SubgraphHandles) =>
    startPeriodic({
      intervalMs,
      pass: async () => {
        await deliverDueEmails(service.orm.em, sender, service.logger);
      },
      logger: service.logger,
      failureMessage: 'email delivery failed; the next pass tries again',
    });
}
