import {
  CheckoutStatusChanged,
  type ConsumerHandle,
  type DataOf,
  type Delivery,
  EnvelopeSchema,
  type EventContract,
  type Logger,
  OrderFailed,
  OrderPaid,
  OrderRefunded,
  OrderShipped,
  ProductDeactivated,
  ProductPriceChanged,
  ProductReactivated,
  ProductUpdated,
  StockLevelChanged,
  type Transport,
  describeIssues,
  exchangeOf,
  sourceOf,
} from '@shop/events';

/** A checkout's status change, as CheckoutStatusChanged tells it. */
export interface CheckoutStatusEvent {
  sequence: number;
  checkoutId: string;
  customerId: string;
  status: string;
  failureReason: string | null;
  at: string;
}

/** An order's status change: OrderPaid, OrderShipped, OrderFailed or OrderRefunded. */
export interface OrderStatusEvent {
  sequence: number;
  orderId: string;
  customerId: string;
  status: string;
}

/** A product's price, active flag or details changed (product events), or its stock (StockLevelChanged). */
export interface ProductChangeEvent {
  sequence: number;
  sku: string;
  /** The publishing domain: product and inventory count their sequences apart. */
  domain: string;
}

export type StatusEvent =
  ({ kind: 'checkout' } & CheckoutStatusEvent) | ({ kind: 'order' } & OrderStatusEvent) | ({ kind: 'product' } & ProductChangeEvent);

/** The status each order event sets. */
const ORDER_STATUS_OF: Record<string, string> = {
  [OrderPaid.name]: 'PAID',
  [OrderShipped.name]: 'SHIPPED',
  [OrderFailed.name]: 'FAILED',
  [OrderRefunded.name]: 'REFUNDED',
};

const PRODUCT_CHANGES: EventContract[] = [ProductUpdated, ProductPriceChanged, ProductDeactivated, ProductReactivated, StockLevelChanged];

const WATCHED: EventContract[] = [CheckoutStatusChanged, OrderPaid, OrderShipped, OrderFailed, OrderRefunded, ...PRODUCT_CHANGES];

/** Checks a message like a service's consumer does (envelope, type, version, sender, data), then reads its status; throws the reason it is refused. */
export function decodeStatusEvent(body: Buffer): StatusEvent {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('the body is not JSON');
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) throw new Error(`malformed envelope: ${describeIssues(envelope.error)}`);
  const { eventType, version, source, sequence } = envelope.data;
  const contract = WATCHED.find((c) => c.name === eventType);
  if (!contract) throw new Error(`the gateway does not take ${eventType}`);
  if (contract.version !== version) throw new Error(`version ${version} of ${eventType} is not accepted (accepts ${contract.version})`);
  if (source !== sourceOf(contract.domain))
    throw new Error(`${eventType} from ${source} refused: only ${sourceOf(contract.domain)} sends it`);
  const data = contract.data.safeParse(envelope.data.data);
  if (!data.success) throw new Error(`invalid ${eventType} ${version}: ${describeIssues(data.error, 'data')}`);
  if (contract === CheckoutStatusChanged) {
    const { checkoutId, customerId, status, failureReason, at } = data.data as DataOf<typeof CheckoutStatusChanged>;
    return { kind: 'checkout', sequence, checkoutId, customerId, status, failureReason, at };
  }
  if (PRODUCT_CHANGES.includes(contract))
    return { kind: 'product', sequence, sku: (data.data as { sku: string }).sku, domain: contract.domain };
  const { orderId, customerId } = data.data as { orderId: string; customerId: string };
  return { kind: 'order', sequence, orderId, customerId, status: ORDER_STATUS_OF[eventType] };
}

type Listeners<T> = Map<string, Set<(event: T) => void>>;

/**
 * The status events one gateway instance hears, through its own exclusive, auto-deleting queue,
 * handed to the subscriptions that listen: by checkout, by order, by the customer an order
 * belongs to, or by the SKU a product change is about. Registries hold only live listeners: a key goes with its last listener.
 */
export class StatusEventFeed {
  private readonly byCheckout: Listeners<CheckoutStatusEvent> = new Map();
  private readonly byOrder: Listeners<OrderStatusEvent> = new Map();
  private readonly byCustomerOrders: Listeners<OrderStatusEvent> = new Map();
  private readonly byProduct: Listeners<ProductChangeEvent> = new Map();
  private readonly resubscribed = new Set<() => void>();
  private consumer?: ConsumerHandle;

  constructor(
    private readonly transport: Transport,
    /** The instance's queue (the transport adds QUEUE_PREFIX). */
    readonly queueName: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    let subscribedBefore = false;
    this.consumer = await this.transport.consume(
      {
        name: this.queueName,
        bindings: WATCHED.map((contract) => ({ exchange: exchangeOf(contract), routingKey: contract.name })),
        retryDelaysMs: [],
        exclusive: true,
        onConsuming: () => {
          // After a reconnection the queue is new: what was published meanwhile never reached it.
          // On the first subscription too: a subscription started while the broker was not reachable yet.
          if (subscribedBefore)
            this.logger.warn({ queue: this.queueName }, 'status event queue subscribed again; subscriptions catch up from history');
          for (const listener of [...this.resubscribed]) listener();
          subscribedBefore = true;
        },
      },
      (delivery) => this.receive(delivery),
    );
  }

  /** Whether the broker delivers to this instance's queue right now. */
  isConsuming(): boolean {
    return this.consumer?.isAttached() ?? false;
  }

  async stop(): Promise<void> {
    await this.consumer?.cancel();
    this.consumer = undefined;
  }

  onCheckout(checkoutId: string, listener: (event: CheckoutStatusEvent) => void): () => void {
    return listen(this.byCheckout, checkoutId, listener);
  }

  onOrder(orderId: string, listener: (event: OrderStatusEvent) => void): () => void {
    return listen(this.byOrder, orderId, listener);
  }

  onCustomerOrders(customerId: string, listener: (event: OrderStatusEvent) => void): () => void {
    return listen(this.byCustomerOrders, customerId, listener);
  }

  onProduct(sku: string, listener: (event: ProductChangeEvent) => void): () => void {
    return listen(this.byProduct, sku, listener);
  }

  /** Called after the queue was subscribed again (a lost broker connection): events may have been missed. */
  onResubscribed(listener: () => void): () => void {
    this.resubscribed.add(listener);
    return () => this.resubscribed.delete(listener);
  }

  /** How many listeners are registered (tests check that nothing is left behind). */
  listenerCount(): number {
    const count = <T>(listeners: Listeners<T>) => [...listeners.values()].reduce((sum, set) => sum + set.size, 0);
    return count(this.byCheckout) + count(this.byOrder) + count(this.byCustomerOrders) + count(this.byProduct) + this.resubscribed.size;
  }

  private receive(delivery: Delivery): void {
    let event: StatusEvent;
    try {
      event = decodeStatusEvent(delivery.body);
    } catch (err) {
      // The queue has no dead-letter queue: the transport logs the reason and drops the message.
      void delivery.deadLetter((err as Error).message);
      return;
    }
    // Acked at once: a subscriber that misses an event catches up from the checkout's history.
    void delivery.ack();
    if (event.kind === 'checkout') {
      notify(this.byCheckout, event.checkoutId, event);
    } else if (event.kind === 'product') {
      notify(this.byProduct, event.sku, event);
    } else {
      notify(this.byOrder, event.orderId, event);
      notify(this.byCustomerOrders, event.customerId, event);
    }
  }
}

function listen<T>(listeners: Listeners<T>, key: string, listener: (event: T) => void): () => void {
  let set = listeners.get(key);
  if (!set) {
    set = new Set();
    listeners.set(key, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
  };
}

function notify<T>(listeners: Listeners<T>, key: string, event: T): void {
  for (const listener of [...(listeners.get(key) ?? [])]) listener(event);
}
