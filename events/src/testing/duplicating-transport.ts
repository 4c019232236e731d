import { DelegatingTransport } from '../transport/delegating-transport';
import type { OutboundMessage, PublishResult } from '../transport/transport';

/**
 * Publishes every message twice with the same id, as a relay that republishes after a crash or a
 * broker that redelivers would: for tests that every consumer applies each message once.
 */
export class DuplicatingTransport extends DelegatingTransport {
  override async publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    const results = await this.inner.publish(messages.flatMap((message) => [message, message]));
    return messages.map((_, i) => (results[2 * i].ok ? results[2 * i + 1] : results[2 * i]));
  }
}
