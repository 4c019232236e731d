import type { ConsumerHandle, Delivery, OutboundMessage, PublishResult, QueueSpec, Transport } from '../transport/transport';

/**
 * Publishes every message twice with the same id, as a relay that republishes after a crash or a
 * broker that redelivers would: for tests that every consumer applies each message once.
 */
export class DuplicatingTransport implements Transport {
  constructor(private readonly inner: Transport) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  isConnected(): boolean {
    return this.inner.isConnected();
  }

  async publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    const results = await this.inner.publish(messages.flatMap((message) => [message, message]));
    return messages.map((_, i) => (results[2 * i].ok ? results[2 * i + 1] : results[2 * i]));
  }

  consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<ConsumerHandle> {
    return this.inner.consume(spec, onDelivery);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
