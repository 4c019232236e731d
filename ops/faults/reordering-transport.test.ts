import { InMemoryTransport, type OutboundMessage } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { ReorderingTransport } from './reordering-transport';

const message = (n: number): OutboundMessage => ({
  exchange: 'test-events',
  routingKey: 'Numbered',
  messageId: `m-${n}`,
  body: Buffer.from(String(n)),
  mandatory: false,
});

describe('ReorderingTransport', () => {
  it('delivers a batch out of order, and answers each message in the order it was given', async () => {
    const broker = new InMemoryTransport();
    // Delays falling with the index: the last message of the batch arrives first.
    const delays = [0.9, 0.7, 0.5, 0.3, 0.1];
    let next = 0;
    const transport = new ReorderingTransport(broker, 50, () => delays[next++]);
    const received: string[] = [];
    await broker.consume({ name: 'q', bindings: [{ exchange: 'test-events', routingKey: '#' }], retryDelaysMs: [] }, (delivery) => {
      received.push(delivery.body.toString());
      void delivery.ack();
    });

    const results = await transport.publish([1, 2, 3, 4, 5].map(message));

    expect(results).toEqual(Array.from({ length: 5 }, () => ({ ok: true, routed: true })));
    await waitFor(() => received.length === 5, { what: 'five deliveries' });
    expect(received).toEqual(['5', '4', '3', '2', '1']);
    await broker.close();
  });

  it('passes a refusal back for the message it concerns', async () => {
    const transport = new ReorderingTransport(new InMemoryTransport(), 10);
    const [result] = await transport.publish([{ ...message(1), mandatory: true }]);
    expect(result).toEqual({ ok: false, error: 'unroutable: no queue is bound to test-events for Numbered' });
  });
});
