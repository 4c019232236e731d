import { SERVICE_NAMES } from '@shop/platform';
import { DlqError, UsageError } from './errors';
import { loadDlqConfig, parseDeadLetterId, selectTargets } from './targets';

describe('loadDlqConfig', () => {
  it("covers every service, each with its own database URL or the services' default", () => {
    const config = loadDlqConfig({ QUEUE_PREFIX: 'p.', CART_DATABASE_URL: 'postgres://db.internal/cart', NODE_ENV: 'production' });
    expect(config.queuePrefix).toBe('p.');
    expect(config.amqpUrl).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(config.targets.map((t) => t.service)).toEqual(SERVICE_NAMES);
    expect(config.targets.find((t) => t.service === 'cart')).toEqual({
      service: 'cart',
      queue: 'cart-service-queue',
      deadLetterQueue: 'cart-service-queue.dlq',
      databaseUrl: 'postgres://db.internal/cart',
    });
    expect(config.targets.find((t) => t.service === 'order')?.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/order_db');
  });
});

describe('selectTargets and parseDeadLetterId', () => {
  const { targets } = loadDlqConfig({});

  it('finds a queue by its service, its queue or its dead-letter queue', () => {
    for (const name of ['cart', 'cart-service-queue', 'cart-service-queue.dlq']) {
      expect(selectTargets(targets, name).map((t) => t.service)).toEqual(['cart']);
    }
    expect(selectTargets(targets, undefined)).toBe(targets);
    expect(() => selectTargets(targets, 'nowhere')).toThrow(UsageError);
    expect(() => selectTargets(targets, 'nowhere')).toThrow('unknown queue nowhere: one of product, inventory, cart');
  });

  it('splits an id into its service and the row in that service store', () => {
    const { target, rowId } = parseDeadLetterId(targets, 'cart-12');
    expect([target.service, rowId]).toEqual(['cart', '12']);
    expect(() => parseDeadLetterId(targets, '12')).toThrow(UsageError);
    expect(() => parseDeadLetterId(targets, 'cart-99999999999999999999')).toThrow(UsageError);
    expect(() => parseDeadLetterId(targets, 'warehouse-3')).toThrow(DlqError);
    expect(() => parseDeadLetterId(targets, 'warehouse-3')).toThrow('no dead letter warehouse-3: there is no service warehouse');
  });
});
