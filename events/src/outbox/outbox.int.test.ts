import { MikroORM } from '@mikro-orm/postgresql';
import { ProductPriceChanged } from '../catalog';
import { messagingEntities } from '../index';
import { createTestDatabase, openTestOrm, type TestDatabase } from '../testing';
import { Outbox } from './outbox';

// Writing the outbox: what a flush writes, in which transaction, and what is refused.

describe('Outbox.publish', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const outbox = new Outbox('product-service');
  const priceChange = (sku: string) => ({ sku, oldPrice: '1.00', newPrice: '2.00', currency: 'GBP' });
  /** The outbox's rows in id order: the columns the writer fills in, and whether the row was sent. */
  const rows = () =>
    orm.em
      .getConnection()
      .execute<Record<string, unknown>[]>(
        'select message_id, message_type, exchange, routing_key, mandatory, aggregate_key, payload, sent_at from outbox order by id',
      );

  beforeAll(async () => {
    db = await createTestDatabase('outbox');
    orm = await openTestOrm(db.url);
  });

  afterAll(async () => {
    await orm.close();
    await db.drop();
  });

  beforeEach(async () => {
    await orm.em.getConnection().execute('truncate outbox');
  });

  it('writes what a transaction published when it flushes, in the order published, with its envelope', async () => {
    const envelopes = await orm.em
      .fork()
      .transactional(async (em) => [
        outbox.publish(em, ProductPriceChanged, priceChange('B'), { sequence: 7 }),
        outbox.publish(em, ProductPriceChanged, priceChange('A'), { sequence: 3, correlationId: 'corr-1' }),
      ]);
    const written = await rows();
    expect(written.map((r) => r.message_id)).toEqual(envelopes.map((e) => e.eventId));
    expect(written[0]).toMatchObject({
      message_type: 'ProductPriceChanged',
      exchange: 'product-events',
      routing_key: 'ProductPriceChanged',
      mandatory: false,
      aggregate_key: 'product-events:B',
      sent_at: null,
    });
    expect(written[1].payload).toEqual(JSON.parse(JSON.stringify(envelopes[1])));
    expect(written[1].payload).toMatchObject({ source: 'product-service', sequence: 3, correlationId: 'corr-1', data: priceChange('A') });
  });

  it('writes nothing when the transaction rolls back, nor what a rolled-back savepoint published', async () => {
    await expect(
      orm.em.fork().transactional(async (em) => {
        outbox.publish(em, ProductPriceChanged, priceChange('GONE'), { sequence: 1 });
        await em.flush();
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rows()).toEqual([]);

    await orm.em.fork().transactional(async (em) => {
      outbox.publish(em, ProductPriceChanged, priceChange('KEPT'), { sequence: 1 });
      await expect(
        em.transactional(async (nested) => {
          outbox.publish(nested, ProductPriceChanged, priceChange('UNDONE'), { sequence: 2 });
          await nested.flush();
          throw new Error('the nested step failed');
        }),
      ).rejects.toThrow('the nested step failed');
    });
    expect((await rows()).map((r) => r.aggregate_key)).toEqual(['product-events:KEPT']);
  });

  it('refuses to publish outside a transaction, where the change and the message could part', async () => {
    const em = orm.em.fork();
    expect(() => outbox.publish(em, ProductPriceChanged, priceChange('X'), { sequence: 1 })).toThrow(
      'ProductPriceChanged must be published inside a transaction',
    );
    await em.flush();
    expect(await rows()).toEqual([]);
  });

  it('refuses to publish through an ORM that does not list messagingSubscribers, since nothing would write the message', async () => {
    const bare = await MikroORM.init({ clientUrl: db.url, entities: messagingEntities, allowGlobalContext: false, debug: false });
    try {
      await expect(
        bare.em.fork().transactional(async (em) => {
          outbox.publish(em, ProductPriceChanged, priceChange('X'), { sequence: 1 });
        }),
      ).rejects.toThrow('this ORM does not list messagingSubscribers');
    } finally {
      await bare.close();
    }
    expect(await rows()).toEqual([]);
  });
});
