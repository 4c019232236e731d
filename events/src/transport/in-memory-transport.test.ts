import { describeTransportConformance } from './conformance';
import { InMemoryTransport, topicMatches } from './in-memory-transport';

describeTransportConformance('in-memory', async () => {
  const transport = new InMemoryTransport();
  await transport.connect();
  return { transport, cleanup: () => transport.close() };
});

describe('topicMatches', () => {
  it.each([
    ['ProductPriceChanged', 'ProductPriceChanged', true],
    ['ProductPriceChanged', 'ProductCreated', false],
    ['order.*', 'order.created', true],
    ['order.*', 'order.created.v2', false],
    ['order.#', 'order.created.v2', true],
    ['#', 'anything.at.all', true],
    ['*.created', 'order.created', true],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});
