import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { LowStockAlert, OrderCreated, OrderRefunded, OrderShipped, catalog, exchangeOf } from '@shop/events';
import { deliver, waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, customer, startInMemorySubgraph } from '@shop/platform/src/testing';
import { EmailMessage } from './entities/email-message.entity';
import { startEmailService } from './subgraph';

// Email on the in-memory transport: events in as their publishers send them, emails written and
// delivered by the default sender (the database), read back through sentEmails.

interface SentEmail {
  kind: string;
  to: string;
  subject: string;
  status: string;
  sender: string | null;
  orderId: string | null;
  sku: string | null;
}

const SENT = `query ($first: Int, $after: String) {
  sentEmails(first: $first, after: $after) { items { kind to subject status sender orderId sku } nextCursor }
}`;

describe('email on the in-memory transport', () => {
  let email: TestSubgraph;

  beforeAll(async () => {
    email = await startInMemorySubgraph('email_mem', startEmailService, {
      env: { ADMIN_EMAIL: 'ops@example.com', EMAIL_DELIVERY_INTERVAL_MS: '50' },
    });
  });

  afterAll(async () => {
    await email?.stop();
  });

  const sentEmails = async () =>
    (await email.query<{ sentEmails: { items: SentEmail[] } }>(SENT, { first: 100 }, admin)).data?.sentEmails.items ?? [];
  const about = async (orderId: string) => (await sentEmails()).filter((e) => e.orderId === orderId);

  function order(emailAddress: string | null) {
    const orderId = randomUUID();
    return {
      orderId,
      checkoutId: randomUUID(),
      customerId: 'buyer-1',
      email: emailAddress,
      lines: [{ sku: 'EM-A', quantity: 1, unitPrice: '12.00' }],
      total: '12.00',
      currency: 'GBP',
      paymentRef: `pay-${orderId}`,
    };
  }

  it('binds only its own queue, to exchanges the publishers already have, for events only', () => {
    const spec = email.service.bus.consumer?.spec;
    expect(spec?.name).toBe('email-service-queue');
    const publishedExchanges = new Set(catalog.filter((c) => c.kind === 'event').map(exchangeOf));
    expect(spec?.bindings.every((binding) => publishedExchanges.has(binding.exchange))).toBe(true);
    expect(spec?.bindings.map((binding) => binding.routingKey).sort()).toEqual([
      'LowStockAlert',
      'OrderCreated',
      'OrderRefunded',
      'OrderShipped',
    ]);
  });

  it('sends one confirmation per order, however often OrderCreated arrives, then the shipping and refund emails', async () => {
    const placed = order('buyer@example.com');
    const created = await email.send(OrderCreated, placed, { source: 'order-service', sequence: 1 });
    await deliver(email.service.transport, OrderCreated, created, created);
    await email.send(OrderCreated, placed, { source: 'order-service', sequence: 1 });
    const { orderId, customerId } = placed;
    await email.send(
      OrderShipped,
      { orderId, customerId, email: placed.email, trackingNumber: '1Z999' },
      { source: 'order-service', sequence: 2 },
    );
    const refund = { orderId, customerId, email: placed.email, refundRef: `ref-${orderId}`, amount: '12.00', currency: 'GBP' };
    await email.send(OrderRefunded, refund, { source: 'order-service', sequence: 3 });

    await waitFor(async () => (await about(orderId)).filter((e) => e.status === 'SENT').length === 3, { what: 'three emails sent' });
    const number = orderId.slice(0, 8).toUpperCase();
    expect(await about(orderId)).toEqual([
      {
        kind: 'ORDER_REFUNDED',
        to: 'buyer@example.com',
        subject: `Your order ${number} has been refunded`,
        status: 'SENT',
        sender: 'database',
        orderId,
        sku: null,
      },
      {
        kind: 'ORDER_SHIPPED',
        to: 'buyer@example.com',
        subject: `Your order ${number} has shipped`,
        status: 'SENT',
        sender: 'database',
        orderId,
        sku: null,
      },
      {
        kind: 'ORDER_CONFIRMATION',
        to: 'buyer@example.com',
        subject: `Your order ${number} is confirmed`,
        status: 'SENT',
        sender: 'database',
        orderId,
        sku: null,
      },
    ]);
    const text = await email.query<{ sentEmails: { items: { text: string; html: string }[] } }>(
      `{ sentEmails(first: 3) { items { text html } } }`,
      {},
      admin,
    );
    expect(text.data?.sentEmails.items[2].text).toContain('1 x  EM-A  12.00 GBP');
    expect(text.data?.sentEmails.items[2].html).toContain('<td>EM-A</td>');
  });

  it('writes no email for an order without an address, and warns the admins of low stock', async () => {
    const anonymous = order(null);
    await email.send(OrderCreated, anonymous, { source: 'order-service', sequence: 1 });
    const sku = `EM-${randomUUID().slice(0, 6)}`;
    await email.send(LowStockAlert, { sku, currentQuantity: 2, threshold: 5 }, { source: 'inventory-service', sequence: 7 });
    await waitFor(async () => (await sentEmails()).some((e) => e.sku === sku && e.status === 'SENT'), { what: 'the low-stock email' });
    expect((await sentEmails()).filter((e) => e.sku === sku)).toEqual([
      { kind: 'LOW_STOCK', to: 'ops@example.com', subject: `Low stock: ${sku}`, status: 'SENT', sender: 'database', orderId: null, sku },
    ]);
    expect(await about(anonymous.orderId)).toEqual([]);
  });

  it('pages newest first, and answers admins only', async () => {
    const first = await email.query<{ sentEmails: { items: SentEmail[]; nextCursor: string } }>(SENT, { first: 1 }, admin);
    const second = await email.query<{ sentEmails: { items: SentEmail[] } }>(
      SENT,
      { first: 1, after: first.data?.sentEmails.nextCursor },
      admin,
    );
    const all = await sentEmails();
    expect([first.data?.sentEmails.items[0], second.data?.sentEmails.items[0]]).toEqual(all.slice(0, 2));
    expect((await email.query(SENT, {}, customer('buyer-1'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const forged = await email.query(SENT, { after: Buffer.from('not-an-id').toString('base64url') }, admin);
    expect(forged.errors?.[0]).toMatchObject({ message: 'after is not a cursor this API gave', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('email through an SMTP server that cannot be reached', () => {
  it('keeps the email pending and tries it again later, saying why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const email = await startInMemorySubgraph('email_smtp', startEmailService, {
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, EMAIL_DELIVERY_INTERVAL_MS: '50' },
    });
    try {
      const orderId = randomUUID();
      const placed = {
        orderId,
        checkoutId: randomUUID(),
        customerId: 'buyer-2',
        email: 'buyer2@example.com',
        total: '1.00',
        currency: 'GBP',
      };
      await email.send(
        OrderCreated,
        { ...placed, lines: [{ sku: 'EM-B', quantity: 1, unitPrice: '1.00' }], paymentRef: 'pay-2' },
        { source: 'order-service', sequence: 1 },
      );
      const attempted = await waitFor(
        async () => {
          const row = await email.service.orm.em.fork().findOne(EmailMessage, { orderId });
          return row && row.attempts > 0 ? row : null;
        },
        { what: 'a delivery attempt' },
      );
      expect(attempted).toMatchObject({ status: 'PENDING', sender: null, attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
      expect(attempted?.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    } finally {
      await email.stop();
    }
  });
});
