import { DelegatingTransport, type OutboundMessage, type PublishResult, type Transport } from '@shop/events';

/**
 * Publishes each batch out of order: every message after its own random delay (up to
 * `maxDelayMs`), so messages of one batch, one aggregate's included, reach the broker shuffled.
 * It still resolves only once the broker confirmed each one, as the relay expects.
 */
export class ReorderingTransport extends DelegatingTransport {
  constructor(
    inner: Transport,
    private readonly maxDelayMs = 200,
    private readonly random: () => number = Math.random,
  ) {
    super(inner);
  }

  override publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    return Promise.all(
      messages.map(async (message) => {
        await new Promise((resolve) => setTimeout(resolve, this.random() * this.maxDelayMs));
        const [result] = await this.inner.publish([message]);
        return result;
      }),
    );
  }
}
