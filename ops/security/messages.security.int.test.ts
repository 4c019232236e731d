import { randomUUID } from 'node:crypto';
import { type MessageContract, catalog, exchangeOf, sourceOf } from '@shop/events';
import { publishRaw, waitFor } from '@shop/events/src/testing';
import { type Shop, startShop } from '../world/shop';
import { type DeadLetter, databaseDigest, settledDigest, takeDeadLetters } from './support';

// Door: every message a service consumes is validated before any effect. Forged and malformed
// messages, published straight to the broker as anyone with broker access could, each land in
// that service's dead-letter queue with the reason in its headers; no handler runs, no row changes.

interface Forgery {
  name: string;
  reason: RegExp;
  body: (contract: MessageContract) => string;
}

/** A sender allowed to send the contract, and one that is not. */
const allowedSource = (contract: MessageContract) => (contract.kind === 'event' ? sourceOf(contract.domain) : sourceOf(contract.from[0]));
const impostor = (contract: MessageContract) => (allowedSource(contract) === 'cart-service' ? 'order-service' : 'cart-service');

const envelope = (contract: MessageContract, changes: Record<string, unknown> = {}) =>
  JSON.stringify({
    eventId: randomUUID(),
    eventType: contract.name,
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    source: allowedSource(contract),
    version: contract.version,
    sequence: 1,
    notAfter: new Date(Date.now() + 60_000).toISOString(),
    data: {},
    ...changes,
  });

const forgeries: Forgery[] = [
  { name: 'not JSON', reason: /not JSON/, body: () => '{"eventId": oops' },
  { name: 'JSON but not an object', reason: /malformed envelope/, body: () => '[1,2,3]' },
  { name: 'an envelope without an id', reason: /malformed envelope.*eventId/, body: (c) => envelope(c, { eventId: undefined }) },
  {
    name: 'an envelope with a bad timestamp',
    reason: /malformed envelope.*timestamp/,
    body: (c) => envelope(c, { timestamp: 'yesterday' }),
  },
  { name: 'a negative sequence', reason: /malformed envelope.*sequence/, body: (c) => envelope(c, { sequence: -1 }) },
  {
    name: 'an unknown type on a known routing key',
    reason: /unknown event type/,
    body: (c) => envelope(c, { eventType: 'GiveEverythingAway' }),
  },
  { name: 'an unsupported version', reason: /version 99\.0/, body: (c) => envelope(c, { version: '99.0' }) },
  { name: "another source's message", reason: /refused: only/, body: (c) => envelope(c, { source: impostor(c) }) },
  { name: 'a source nobody is', reason: /refused: only/, body: (c) => envelope(c, { source: 'mallory-service' }) },
  { name: 'invalid data', reason: /invalid .*data/, body: (c) => envelope(c) },
  { name: 'data that is not an object', reason: /invalid .*data/, body: (c) => envelope(c, { data: 'drop table orders' }) },
];

describe('forged and malformed messages', () => {
  let shop: Shop;
  let untouched: Record<string, string>;

  beforeAll(async () => {
    shop = await startShop({ label: 'sec_messages' });
    untouched = await settledDigest(shop);
  });

  afterAll(async () => {
    await shop?.close();
  });

  /** Each consuming service with the contracts it consumes: the forgeries go to every one. */
  const consumers = () =>
    Object.values(shop.services)
      .filter((service) => service?.bus.consumer)
      .map((service) => {
        const names = new Set(service!.bus.consumer!.spec.bindings.map((b) => b.routingKey));
        return { service: service!.name, contracts: catalog.filter((contract) => names.has(contract.name)) };
      });

  it('has consumers to attack', () => {
    expect(consumers().map((c) => c.service)).toEqual(expect.arrayContaining(['inventory', 'cart', 'order', 'payment', 'checkout']));
    for (const { contracts } of consumers()) expect(contracts.length).toBeGreaterThan(0);
  });

  it('dead-letters every forgery, in every consuming service, with its reason, and changes nothing', async () => {
    // Each forgery once per contract: an event two services consume reaches both queues.
    const contracts = [...new Set(consumers().flatMap((c) => c.contracts))];
    const sent = contracts.flatMap((contract) => forgeries.map((forgery) => ({ contract, forgery, body: forgery.body(contract) })));
    await publishRaw(
      shop.prefix,
      sent.map(({ contract, body }) => ({ exchange: exchangeOf(contract), routingKey: contract.name, body: Buffer.from(body) })),
    );

    for (const { service, contracts: consumed } of consumers()) {
      const expected = sent.filter(({ contract }) => consumed.includes(contract));
      const letters: DeadLetter[] = [];
      await waitFor(
        async () => {
          letters.push(...(await takeDeadLetters(shop.prefix, service)));
          return letters.length >= expected.length;
        },
        { timeoutMs: 20_000, what: `${expected.length} dead letters of ${service}` },
      );
      for (const { contract, forgery, body } of expected) {
        const letter = letters.find((l) => l.body === body);
        expect([service, contract.name, forgery.name, letter?.reason]).toEqual([
          service,
          contract.name,
          forgery.name,
          expect.stringMatching(forgery.reason),
        ]);
      }
    }
    expect(await databaseDigest(shop)).toEqual(untouched);
  });

  it('refuses a forward command that carries no deadline', async () => {
    const command = consumers()
      .flatMap(({ service, contracts }) => contracts.map((contract) => ({ service, contract })))
      .find(({ contract }) => contract.kind === 'command' && contract.expires);
    expect(command).toBeDefined();
    const { service, contract } = command!;
    const body = envelope(contract, { notAfter: undefined });
    await publishRaw(shop.prefix, [{ exchange: exchangeOf(contract), routingKey: contract.name, body: Buffer.from(body) }]);
    const letters = await waitFor(async () => {
      const taken = await takeDeadLetters(shop.prefix, service);
      return taken.length > 0 ? taken : null;
    });
    expect(letters).toEqual([{ body, reason: expect.stringMatching(/no deadline/) }]);
    expect(await databaseDigest(shop)).toEqual(untouched);
  });
});
