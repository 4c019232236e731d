import { GraphQLError, type ExecutionResult } from 'graphql';
import { LiveSubscription, type SubscriptionContext } from './live-subscription';
import { type ReadQuery, type ReadResult, badRequest, errorsOf } from './operation';
import type { ProductChangeEvent } from './status-events';

/** The most SKUs one subscription may follow. */
export const MAX_PRODUCT_SKUS = 100;

/**
 * `productChanged(skus)`, public: the current state of each product named, in the order named, then
 * the product again after each change of its price, active flag, details or stock (product and
 * inventory events), read through the supergraph as the subscriber. A message that would repeat the
 * last one sent for its SKU (a stock change when only the price is selected) is not sent.
 */
export class ProductChangeSubscription extends LiveSubscription {
  private readonly skus: string[];
  private readonly stateQuery: ReadQuery;
  /** The last sequence heard per publishing domain and SKU: product and inventory count apart. */
  private readonly heardSequences = new Map<string, number>();
  /** The last message sent per SKU. */
  private readonly lastSent = new Map<string, string>();
  /** SKUs whose read is queued and not started yet: a change meanwhile needs no second read. */
  private readonly queuedReads = new Set<string>();

  constructor(context: SubscriptionContext, onClosed: () => void) {
    super(context, onClosed);
    this.skus = [...new Set(context.operation.args.skus as string[])];
    this.stateQuery = context.operation.readQuery('product', 'SubscriptionProductState', 'sku');
  }

  async start(): Promise<readonly GraphQLError[] | null> {
    if (this.skus.length === 0) return [badRequest('skus must name at least one product')];
    if (this.skus.length > MAX_PRODUCT_SKUS) return [badRequest(`skus may name at most ${MAX_PRODUCT_SKUS} products`)];
    const { feed } = this.context;
    // Listening before the first reads: whatever changes meanwhile is read again after them.
    for (const sku of this.skus) this.onClose(feed.onProduct(sku, (event) => this.receive(event)));
    // After a lost broker connection changes may have been missed: read every product again.
    this.onClose(feed.onResubscribed(() => this.skus.forEach((sku) => this.readAgain(sku))));
    let refusal: readonly GraphQLError[] | null = null;
    await this.run(async () => {
      const states = await Promise.all(this.skus.map((sku) => this.read(this.stateQuery, sku)));
      const failed = states.flatMap((state) => (this.selected(state) ? [] : errorsOf(state)));
      const missing = this.skus.filter((_, i) => !this.selected(states[i]));
      if (failed.length > 0 || missing.length > 0) {
        refusal =
          failed.length > 0 ? failed : [new GraphQLError(`product ${missing.join(', ')} not found`, { extensions: { code: 'NOT_FOUND' } })];
        return;
      }
      this.skus.forEach((sku, i) => this.sendState(sku, states[i]));
    });
    return refusal;
  }

  private receive(event: ProductChangeEvent): void {
    const key = `${event.domain}/${event.sku}`;
    if (event.sequence <= (this.heardSequences.get(key) ?? 0)) return;
    this.heardSequences.set(key, event.sequence);
    this.readAgain(event.sku);
  }

  private readAgain(sku: string): void {
    if (this.queuedReads.has(sku)) return;
    this.queuedReads.add(sku);
    void this.run(async () => {
      this.queuedReads.delete(sku);
      this.sendState(sku, await this.read(this.stateQuery, sku));
    });
  }

  private sendState(sku: string, state: ReadResult): void {
    const message: ExecutionResult = this.context.operation.message(this.selected(state), {}, errorsOf(state));
    const text = JSON.stringify(message);
    if (this.lastSent.get(sku) === text) return;
    this.lastSent.set(sku, text);
    this.send(message);
  }
}
