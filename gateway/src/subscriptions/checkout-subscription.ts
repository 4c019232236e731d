import { GraphQLError } from 'graphql';
import { LiveSubscription, type SubscriptionContext } from './live-subscription';
import { type ReadQuery, type ReadResult, errorsOf } from './operation';
import { SequenceBuffer } from './sequence-buffer';
import type { CheckoutStatusEvent } from './status-events';

/** The Checkout fields a CheckoutStatusChanged event answers by itself (`updatedAt` is the event's `at`). */
const EVENT_FIELDS = new Set(['id', 'customerId', 'status', 'failureReason', 'updatedAt']);
const FINAL_STATUSES = new Set(['COMPLETED', 'FAILED']);

/** What the gateway itself reads of a checkout: where it stands, and every transition with its sequence. */
const HISTORY_QUERY = {
  operationName: 'SubscriptionCheckoutHistory',
  query:
    'query SubscriptionCheckoutHistory($id: ID!) { checkout(id: $id) { customerId status failureReason updatedAt history { sequence status at } } }',
};

interface Transition {
  sequence: number;
  status: string;
  at: string;
}

interface CheckoutHistory {
  customerId: string;
  status: string;
  failureReason: string | null;
  updatedAt: string;
  history: Transition[];
}

/** The fields of one transition that win over whatever a read of the checkout says. */
type StatusOverlay = {
  status: string;
  failureReason: string | null;
  updatedAt: string;
};

/**
 * `checkoutStatusChanged(checkoutId)`: the checkout's current state, then every later transition
 * once, in order of sequence, until COMPLETED or FAILED. A transition that arrives ahead of a
 * missing one waits for it; a gap that does not fill in time, or a lost broker connection, is
 * filled from the checkout's history.
 */
export class CheckoutStatusSubscription extends LiveSubscription {
  private readonly checkoutId: string;
  /** The client's selection, read through the supergraph; none when the events answer it alone. */
  private readonly stateQuery?: ReadQuery;
  private readonly buffer = new SequenceBuffer<CheckoutStatusEvent>();
  private customerId = '';
  private cancelGapTimer?: () => void;

  constructor(context: SubscriptionContext, onClosed: () => void) {
    super(context, onClosed);
    this.checkoutId = String(context.operation.args.checkoutId);
    if (!context.operation.selectsOnly(EVENT_FIELDS))
      this.stateQuery = context.operation.readQuery('checkout', 'SubscriptionCheckoutState');
  }

  async start(): Promise<readonly GraphQLError[] | null> {
    const { feed } = this.context;
    // Listening before the first read: whatever happens meanwhile waits in the queue behind it.
    this.onClose(feed.onCheckout(this.checkoutId, (event) => void this.run(() => this.receive(event))));
    this.onClose(feed.onResubscribed(() => void this.run(() => this.catchUp('reconnect'))));
    let refusal: readonly GraphQLError[] | null = null;
    await this.run(async () => {
      refusal = await this.sendCurrentState();
    });
    return refusal;
  }

  private async sendCurrentState(): Promise<readonly GraphQLError[] | null> {
    const [checkout, state] = await this.readCheckout();
    if (!('history' in checkout)) return checkout;
    this.customerId = checkout.customerId;
    // The history may already be ahead of the row it was read with: the newest transition is the state.
    const latest = checkout.history[checkout.history.length - 1];
    const isRowState = latest.status === checkout.status;
    const overlay = {
      status: latest.status,
      failureReason: isRowState ? checkout.failureReason : null,
      updatedAt: isRowState ? checkout.updatedAt : latest.at,
    };
    this.buffer.advanceTo(latest.sequence);
    this.deliver(state, overlay);
    return null;
  }

  private async receive(event: CheckoutStatusEvent): Promise<void> {
    for (const ready of this.buffer.accept(event.sequence, event)) await this.sendEvent(ready);
    if (this.buffer.waiting === 0) this.stopGapTimer();
    else this.cancelGapTimer ??= this.after(this.context.gapTimeoutMs, () => this.catchUp('gap'));
  }

  private async sendEvent(event: CheckoutStatusEvent): Promise<void> {
    if (this.isClosed) return;
    const state = this.stateQuery ? await this.read(this.stateQuery, this.checkoutId) : undefined;
    this.deliver(state, { status: event.status, failureReason: event.failureReason, updatedAt: event.at });
  }

  /** Sends, in order, every transition of the checkout's history the subscriber has not seen. */
  private async catchUp(reason: 'gap' | 'reconnect'): Promise<void> {
    this.stopGapTimer();
    this.context.metrics.subscriptionHistoryReads.inc({ reason });
    const [checkout, state] = await this.readCheckout();
    if (!('history' in checkout)) {
      this.context.logger.warn(
        { checkoutId: this.checkoutId, errors: checkout.map((e) => e.message) },
        'could not read checkout history; trying again',
      );
      this.cancelGapTimer = this.after(this.context.gapTimeoutMs, () => this.catchUp(reason));
      return;
    }
    for (const transition of checkout.history.filter((t) => t.sequence > this.buffer.lastDelivered)) {
      if (this.isClosed) return;
      const failureReason = transition.status === checkout.status ? checkout.failureReason : null;
      this.deliver(state, { status: transition.status, failureReason, updatedAt: transition.at });
    }
    const following = this.buffer.advanceTo(checkout.history[checkout.history.length - 1].sequence);
    // History is written with each transition, before its event: what it lacks will never come.
    for (const event of [...following, ...this.buffer.flush()]) await this.sendEvent(event);
  }

  private stopGapTimer(): void {
    this.cancelGapTimer?.();
    this.cancelGapTimer = undefined;
  }

  /** Reads the checkout's history and, when the events do not answer the selection, the client's selection. */
  private async readCheckout(): Promise<[CheckoutHistory | readonly GraphQLError[], ReadResult | undefined]> {
    const [history, state] = await Promise.all([
      this.context.readAs(this.context.identity, { ...HISTORY_QUERY, variables: { id: this.checkoutId } }),
      this.stateQuery ? this.read(this.stateQuery, this.checkoutId) : undefined,
    ]);
    const checkout = history.data?.checkout as CheckoutHistory | null | undefined;
    if (checkout && checkout.history.length > 0) return [checkout, state];
    const errors = errorsOf(history);
    return [
      errors.length > 0 ? errors : [new GraphQLError(`checkout ${this.checkoutId} not found`, { extensions: { code: 'NOT_FOUND' } })],
      state,
    ];
  }

  /** Sends one state: the client's selection as read (or the event's fields alone), with the transition's status. */
  private deliver(state: ReadResult | undefined, overlay: StatusOverlay): void {
    const { operation } = this.context;
    this.send(
      state
        ? operation.message(this.selected(state), overlay, errorsOf(state))
        : operation.message({}, { id: this.checkoutId, customerId: this.customerId, ...overlay }),
    );
    if (FINAL_STATUSES.has(overlay.status)) this.close();
  }
}
