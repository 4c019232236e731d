import { createHash } from 'node:crypto';
import { AttemptHeader, DeadLetterHeaders, LastErrorHeader } from '../transport/transport';
import type { DeadLetter } from './dead-letter.entity';

/** A message as it sits on a dead-letter queue. */
export interface QueuedDeadLetter {
  body: Buffer;
  messageId: string | undefined;
  headers: Record<string, unknown>;
}

/** Added by a quorum queue when it hands a message over again: the only difference between two copies of one dead letter. */
const DeliveryCountHeader = 'x-delivery-count';

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'movedAt' | 'resolution' | 'resolvedAt'>;

/**
 * The row for a message taken off `queue`. The envelope is read without validation: a dead letter
 * may be malformed, which is often why it is there.
 */
export function describeDeadLetter(queue: string, message: QueuedDeadLetter): NewDeadLetter {
  // JSON keeps what the headers say; a value JSON cannot hold (a byte array) becomes its JSON form.
  const headers = JSON.parse(JSON.stringify(message.headers)) as Record<string, unknown>;
  const envelope = parseEnvelope(message.body);
  const header = (name: string): string | null => (typeof headers[name] === 'string' ? (headers[name] as string) : null);
  const attempts = Number(headers[DeadLetterHeaders.attempts]);
  const { [DeliveryCountHeader]: _deliveryCount, ...ownHeaders } = headers;
  return {
    fingerprint: createHash('sha256')
      .update(JSON.stringify([queue, message.messageId ?? null, ownHeaders]))
      .update(message.body)
      .digest('hex'),
    queue,
    messageId: message.messageId ?? null,
    eventId: envelope.eventId ?? message.messageId ?? null,
    eventType: envelope.eventType ?? header(DeadLetterHeaders.originalRoutingKey),
    messageTimestamp: toDate(envelope.timestamp),
    originQueue: header(DeadLetterHeaders.originalQueue),
    originExchange: header(DeadLetterHeaders.originalExchange),
    originRoutingKey: header(DeadLetterHeaders.originalRoutingKey),
    reason: header(DeadLetterHeaders.reason),
    attempts: Number.isInteger(attempts) ? attempts : null,
    headers,
    body: message.body,
    deadLetteredAt: toDate(header(DeadLetterHeaders.deadLetteredAt) ?? undefined),
  };
}

/** Why a message was dead-lettered and how often it was tried say nothing about its next, fresh attempt. */
const failureHeaderNames = new Set<string>([...Object.values(DeadLetterHeaders), AttemptHeader, LastErrorHeader, DeliveryCountHeader]);

/** The headers a replayed message is published with: its own, without the record of its failures. */
export function replayHeaders(stored: Record<string, unknown>): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(stored).filter(
      ([name, value]) => !failureHeaderNames.has(name) && ['string', 'number', 'boolean'].includes(typeof value),
    ),
  ) as Record<string, string | number | boolean>;
}

/** When the message was first sent, as near as the store knows: the envelope's timestamp, else when it was dead-lettered. */
export const sentAtOf = (letter: Pick<DeadLetter, 'messageTimestamp' | 'deadLetteredAt' | 'movedAt'>): Date =>
  letter.messageTimestamp ?? letter.deadLetteredAt ?? letter.movedAt;

function parseEnvelope(body: Buffer): { eventId?: string; eventType?: string; timestamp?: string } {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (typeof json !== 'object' || json === null) return {};
    const { eventId, eventType, timestamp } = json as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 255) : undefined);
    return { eventId: text(eventId), eventType: text(eventType), timestamp: text(timestamp) };
  } catch {
    return {};
  }
}

function toDate(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
