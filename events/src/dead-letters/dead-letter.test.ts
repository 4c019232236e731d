import { describeDeadLetter, replayHeaders, sentAtOf } from './dead-letter';

const envelope = {
  eventId: '6f1c3f5e-8a57-4c1e-9d0a-2b7f4f1e9a10',
  eventType: 'ProductPriceChanged',
  timestamp: '2026-11-20T10:00:00.000Z',
  data: { sku: 'SKU-1' },
};
const headers = {
  'x-dead-letter-reason': 'gave up after 6 attempts: boom',
  'x-attempts': 6,
  'x-attempt': 5,
  'x-last-error': 'boom',
  'x-original-queue': 'cart-service-queue',
  'x-original-exchange': 'product-events',
  'x-original-routing-key': 'ProductPriceChanged',
  'x-dead-lettered-at': '2026-11-20T10:01:00.000Z',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const message = { body: Buffer.from(JSON.stringify(envelope)), messageId: envelope.eventId, headers };

describe('describeDeadLetter', () => {
  it('reads the reason, attempts and origin from the headers and the ids from the envelope', () => {
    expect(describeDeadLetter('cart-service-queue.dlq', message)).toMatchObject({
      queue: 'cart-service-queue.dlq',
      messageId: envelope.eventId,
      eventId: envelope.eventId,
      eventType: 'ProductPriceChanged',
      messageTimestamp: new Date('2026-11-20T10:00:00.000Z'),
      originQueue: 'cart-service-queue',
      originExchange: 'product-events',
      originRoutingKey: 'ProductPriceChanged',
      reason: 'gave up after 6 attempts: boom',
      attempts: 6,
      deadLetteredAt: new Date('2026-11-20T10:01:00.000Z'),
      headers,
      body: message.body,
    });
  });

  it('keeps a malformed message whole, with what the headers say', () => {
    const letter = describeDeadLetter('cart-service-queue.dlq', { body: Buffer.from('{not json'), messageId: undefined, headers });
    expect(letter).toMatchObject({ messageId: null, eventId: null, eventType: 'ProductPriceChanged', messageTimestamp: null });
    expect(letter.body.toString()).toBe('{not json');
  });

  it('gives a message handed over again the same fingerprint, and the same message dead-lettered again another', () => {
    const { fingerprint } = describeDeadLetter('cart-service-queue.dlq', message);
    const redelivered = { ...message, headers: { ...headers, 'x-delivery-count': 1 } };
    expect(describeDeadLetter('cart-service-queue.dlq', redelivered).fingerprint).toBe(fingerprint);
    const again = { ...message, headers: { ...headers, 'x-dead-lettered-at': '2026-11-21T08:00:00.000Z' } };
    expect(describeDeadLetter('cart-service-queue.dlq', again).fingerprint).not.toBe(fingerprint);
  });
});

describe('replayHeaders', () => {
  it('drops the record of the failures, so the replay starts with its retries unused', () => {
    expect(replayHeaders({ ...headers, 'x-delivery-count': 2 })).toEqual({
      traceparent: headers.traceparent,
    });
  });
});

describe('sentAtOf', () => {
  it("is the envelope's timestamp, else when the message was dead-lettered, else when it was moved", () => {
    const movedAt = new Date('2026-11-25T00:00:00.000Z');
    const deadLetteredAt = new Date('2026-11-24T00:00:00.000Z');
    const messageTimestamp = new Date('2026-11-23T00:00:00.000Z');
    expect(sentAtOf({ messageTimestamp, deadLetteredAt, movedAt })).toBe(messageTimestamp);
    expect(sentAtOf({ messageTimestamp: null, deadLetteredAt, movedAt })).toBe(deadLetteredAt);
    expect(sentAtOf({ messageTimestamp: null, deadLetteredAt: null, movedAt })).toBe(movedAt);
  });
});
