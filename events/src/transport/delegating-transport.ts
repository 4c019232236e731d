import type { ConsumerHandle, Delivery, OutboundMessage, PublishResult, QueueSpec, Transport } from './transport';

/** Hands every call to another transport: the base of a transport that changes only part of what it does (tests, fault injection). */
export class DelegatingTransport implements Transport {
  constructor(protected readonly inner: Transport) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  isConnected(): boolean {
    return this.inner.isConnected();
  }

  publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    return this.inner.publish(messages);
  }

  consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<ConsumerHandle> {
    return this.inner.consume(spec, onDelivery);
  }

  async countMessages(queue: string): Promise<number | undefined> {
    return this.inner.countMessages?.(queue);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
