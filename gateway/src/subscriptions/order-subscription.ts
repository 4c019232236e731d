import { GraphQLError } from 'graphql';
import { LiveSubscription, type SubscriptionContext } from './live-subscription';
import { type ReadQuery, errorsOf } from './operation';
import type { OrderStatusEvent } from './status-events';

/** The Order fields an order status event answers by itself. */
const EVENT_FIELDS = new Set(['id', 'customerId', 'status']);

/**
 * `orderStatusChanged(orderId)`: with an order id, that order's current state, then each status
 * change; without, each status change of any of the caller's orders. Never completes by itself.
 * Orders keep no history the gateway could read, so a change is sent unless a newer one of the
 * same order already was.
 */
export class OrderStatusSubscription extends LiveSubscription {
  private readonly orderId: string | null;
  private readonly stateQuery: ReadQuery;
  private readonly fromEventsAlone: boolean;
  /** The sequence of the last change sent, per order. */
  private readonly sentSequences = new Map<string, number>();

  constructor(context: SubscriptionContext, onClosed: () => void) {
    super(context, onClosed);
    this.orderId = (context.operation.args.orderId as string | null | undefined) ?? null;
    this.stateQuery = context.operation.readQuery('order', 'SubscriptionOrderState');
    this.fromEventsAlone = context.operation.selectsOnly(EVENT_FIELDS);
  }

  async start(): Promise<readonly GraphQLError[] | null> {
    const { feed, identity } = this.context;
    const orderId = this.orderId;
    if (orderId === null) {
      if (!identity) return [new GraphQLError('sign in to follow your orders', { extensions: { code: 'UNAUTHENTICATED' } })];
      this.onClose(feed.onCustomerOrders(identity.sub, (event) => void this.run(() => this.receive(event))));
      return null;
    }
    // Listening before the first read: whatever happens meanwhile waits in the queue behind it.
    this.onClose(feed.onOrder(orderId, (event) => void this.run(() => this.receive(event))));
    let refusal: readonly GraphQLError[] | null = null;
    await this.run(async () => {
      const state = await this.read(this.stateQuery, orderId);
      const order = this.selected(state);
      if (!order) {
        const errors = errorsOf(state);
        refusal = errors.length > 0 ? errors : [new GraphQLError(`order ${orderId} not found`, { extensions: { code: 'NOT_FOUND' } })];
        return;
      }
      this.send(this.context.operation.message(order, {}, errorsOf(state)));
    });
    return refusal;
  }

  private async receive(event: OrderStatusEvent): Promise<void> {
    if (event.sequence <= (this.sentSequences.get(event.orderId) ?? 0)) return;
    this.sentSequences.set(event.orderId, event.sequence);
    const { operation } = this.context;
    if (this.fromEventsAlone) {
      this.send(operation.message({}, { id: event.orderId, customerId: event.customerId, status: event.status }));
      return;
    }
    const state = await this.read(this.stateQuery, event.orderId);
    this.send(operation.message(this.selected(state), { status: event.status }, errorsOf(state)));
  }
}
