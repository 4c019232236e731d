import { GraphQLError } from 'graphql';
import { LiveSubscription, type SubscriptionContext } from './live-subscription';
import { type ReadQuery, type ReadResult, errorsOf } from './operation';
import { SequenceBuffer } from './sequence-buffer';
import type { OrderStatusEvent } from './status-events';

/** The Order fields an order status event answers by itself. */
const EVENT_FIELDS = new Set(['id', 'customerId', 'status']);

/** OrderCreated is an order's sequence 1 and sets no status: OrderPaid, its first status, is 2. */
const FIRST_STATUS_SEQUENCE = 2;

/** What the gateway itself reads of an order: where it stands, and every status change with its sequence. */
const HISTORY_FIELDS = 'id customerId status history { sequence status at }';
const ORDER_HISTORY_QUERY = {
  operationName: 'SubscriptionOrderHistory',
  query: `query SubscriptionOrderHistory($id: ID!) { order(id: $id) { ${HISTORY_FIELDS} } }`,
};
const CUSTOMER_HISTORY_QUERY = {
  operationName: 'SubscriptionCustomerOrderHistory',
  query: `query SubscriptionCustomerOrderHistory($after: String) { myOrders(first: 50, after: $after) { items { ${HISTORY_FIELDS} } nextCursor } }`,
};

interface Transition {
  sequence: number;
  status: string;
  at: string;
}

interface OrderHistory {
  id: string;
  customerId: string;
  status: string;
  history: Transition[];
}

/**
 * `orderStatusChanged(orderId)`: with an order id, that order's current state, then each later
 * status change once, in order of sequence; without, each status change of any of the caller's
 * orders from the moment it subscribed, each order in order of sequence. Never completes by itself.
 * A change that arrives ahead of a missing one waits for it; a gap that does not fill in time, or a
 * lost broker connection, is filled from the order's history.
 */
export class OrderStatusSubscription extends LiveSubscription {
  private readonly orderId: string | null;
  /** The client's selection, read through the supergraph; none when the events answer it alone. */
  private readonly stateQuery?: ReadQuery;
  /** Per order: the last sequence sent, and the changes that arrived early. */
  private readonly buffers = new Map<string, SequenceBuffer<OrderStatusEvent>>();
  private readonly gapTimers = new Map<string, () => void>();
  /** For the caller's orders: changes from this moment on are theirs to see. */
  private readonly startedAt = Date.now();

  constructor(context: SubscriptionContext, onClosed: () => void) {
    super(context, onClosed);
    this.orderId = (context.operation.args.orderId as string | null | undefined) ?? null;
    if (!context.operation.selectsOnly(EVENT_FIELDS)) this.stateQuery = context.operation.readQuery('order', 'SubscriptionOrderState');
  }

  async start(): Promise<readonly GraphQLError[] | null> {
    const { feed, identity } = this.context;
    const orderId = this.orderId;
    if (orderId === null) {
      if (!identity) return [new GraphQLError('sign in to follow your orders', { extensions: { code: 'UNAUTHENTICATED' } })];
      this.onClose(feed.onCustomerOrders(identity.sub, (event) => void this.run(() => this.receive(event))));
      this.onClose(feed.onResubscribed(() => void this.run(() => this.catchUpCustomer())));
      return null;
    }
    // Listening before the first read: whatever happens meanwhile waits in the queue behind it.
    this.onClose(feed.onOrder(orderId, (event) => void this.run(() => this.receive(event))));
    this.onClose(feed.onResubscribed(() => void this.run(() => this.catchUpOrder(orderId, 'reconnect'))));
    let refusal: readonly GraphQLError[] | null = null;
    await this.run(async () => {
      refusal = await this.sendCurrentState(orderId);
    });
    return refusal;
  }

  private async sendCurrentState(orderId: string): Promise<readonly GraphQLError[] | null> {
    const [order, state] = await this.readOrder(orderId);
    if (!('history' in order)) return order;
    // The history may already be ahead of the row it was read with: the newest change is the state.
    const latest = order.history[order.history.length - 1];
    this.buffers.set(orderId, new SequenceBuffer(latest.sequence));
    this.deliver(order, state, latest.status);
    return null;
  }

  private async receive(event: OrderStatusEvent): Promise<void> {
    const buffer = this.buffers.get(event.orderId);
    if (!buffer) {
      // The first change heard of one of the caller's orders: its first status is new; any later one
      // may have followed others this subscriber should see, which the history tells.
      if (event.sequence !== FIRST_STATUS_SEQUENCE) return this.catchUpOrder(event.orderId);
      this.buffers.set(event.orderId, new SequenceBuffer(FIRST_STATUS_SEQUENCE - 1));
      return this.receive(event);
    }
    for (const ready of buffer.accept(event.sequence, event)) await this.sendEvent(ready);
    if (buffer.waiting === 0) this.stopGapTimer(event.orderId);
    else if (!this.gapTimers.has(event.orderId)) {
      this.gapTimers.set(
        event.orderId,
        this.after(this.context.gapTimeoutMs, () => this.catchUpOrder(event.orderId, 'gap')),
      );
    }
  }

  private async sendEvent(event: OrderStatusEvent): Promise<void> {
    if (this.isClosed) return;
    const state = this.stateQuery ? await this.read(this.stateQuery, event.orderId) : undefined;
    this.deliver({ id: event.orderId, customerId: event.customerId }, state, event.status);
  }

  /** Sends, in order, every change of one order's history the subscriber has not seen (a reason is counted in the metrics). */
  private async catchUpOrder(orderId: string, reason?: 'gap' | 'reconnect'): Promise<void> {
    this.stopGapTimer(orderId);
    if (reason) this.context.metrics.subscriptionHistoryReads.inc({ reason });
    const [order, state] = await this.readOrder(orderId);
    if (!('history' in order)) {
      this.context.logger.warn({ orderId, errors: order.map((e) => e.message) }, 'could not read order history; trying again');
      this.gapTimers.set(
        orderId,
        this.after(this.context.gapTimeoutMs, () => this.catchUpOrder(orderId, reason)),
      );
      return;
    }
    await this.sendMissed(order, state);
  }

  /**
   * After a lost broker connection, for the caller's orders: reads the history of all of them, and
   * sends what was missed of each (only orders with something to send are read as the client selected).
   */
  private async catchUpCustomer(): Promise<void> {
    for (const orderId of [...this.gapTimers.keys()]) this.stopGapTimer(orderId);
    this.context.metrics.subscriptionHistoryReads.inc({ reason: 'reconnect' });
    let after: string | null = null;
    do {
      const answer = await this.context.readAs(this.context.identity, { ...CUSTOMER_HISTORY_QUERY, variables: { after } });
      const page = answer.data?.myOrders as { items: OrderHistory[]; nextCursor: string | null } | null | undefined;
      if (!page) {
        this.context.logger.warn({ errors: errorsOf(answer).map((e) => e.message) }, 'could not read the orders history; trying again');
        this.after(this.context.gapTimeoutMs, () => this.catchUpCustomer());
        return;
      }
      for (const order of page.items) {
        const buffer = this.buffers.get(order.id);
        const seen = buffer ? buffer.lastDelivered : this.lastSeenBefore(order);
        if (!order.history.some((t) => t.sequence > seen) && !buffer?.waiting) continue;
        await this.sendMissed(order, this.stateQuery ? await this.read(this.stateQuery, order.id) : undefined);
      }
      after = page.nextCursor;
    } while (after !== null && !this.isClosed);
  }

  private async sendMissed(order: OrderHistory, state: ReadResult | undefined): Promise<void> {
    let buffer = this.buffers.get(order.id);
    if (!buffer) {
      buffer = new SequenceBuffer(this.lastSeenBefore(order));
      this.buffers.set(order.id, buffer);
    }
    const delivered = buffer.lastDelivered;
    for (const transition of order.history.filter((t) => t.sequence > delivered)) {
      if (this.isClosed) return;
      this.deliver(order, state, transition.status);
    }
    const following = buffer.advanceTo(order.history[order.history.length - 1].sequence);
    // History is written with each change, before its event: what it lacks will never come.
    for (const event of [...following, ...buffer.flush()]) await this.sendEvent(event);
  }

  /**
   * The sequence of an order's last change before the subscription began (the caller's orders
   * mode): the changes after it are the subscriber's to see. Told by the order service's clock.
   */
  private lastSeenBefore(order: OrderHistory): number {
    const before = order.history.filter((t) => Date.parse(t.at) < this.startedAt);
    return before.length > 0 ? before[before.length - 1].sequence : order.history[0].sequence - 1;
  }

  private stopGapTimer(orderId: string): void {
    this.gapTimers.get(orderId)?.();
    this.gapTimers.delete(orderId);
  }

  /** Reads the order's history and, when the events do not answer the selection, the client's selection. */
  private async readOrder(orderId: string): Promise<[OrderHistory | readonly GraphQLError[], ReadResult | undefined]> {
    const [history, state] = await Promise.all([
      this.context.readAs(this.context.identity, { ...ORDER_HISTORY_QUERY, variables: { id: orderId } }),
      this.stateQuery ? this.read(this.stateQuery, orderId) : undefined,
    ]);
    const order = history.data?.order as OrderHistory | null | undefined;
    if (order && order.history.length > 0) return [order, state];
    const errors = errorsOf(history);
    return [errors.length > 0 ? errors : [new GraphQLError(`order ${orderId} not found`, { extensions: { code: 'NOT_FOUND' } })], state];
  }

  /** Sends one state: the client's selection as read (or the event's fields alone), with the change's status. */
  private deliver(order: Pick<OrderHistory, 'id' | 'customerId'>, state: ReadResult | undefined, status: string): void {
    const { operation } = this.context;
    this.send(
      state
        ? operation.message(this.selected(state), { status }, errorsOf(state))
        : operation.message({}, { id: order.id, customerId: order.customerId, status }),
    );
  }
}
