import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInventoryService } from '@shop/inventory';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, startTestSubgraph } from '@shop/platform/src/testing';
import { startProductService } from '@shop/product';
import { type GatewayHandles, startGateway } from '../gateway';
import { composeSupergraph } from '../supergraph';
import { MAX_PRODUCT_SKUS } from './product-subscription';
import { Watched, ask, connectClient } from './testing';

// productChanged through the gateway, against the real product and inventory subgraphs: an admin
// changes prices and stock over HTTP, an anonymous subscriber sees each change.

const WATCH = `subscription ($skus: [ID!]!) { productChanged(skus: $skus) { sku price { amount } active stock { available reserved } } }`;

describe('productChanged', () => {
  let product: TestSubgraph;
  let inventory: TestSubgraph;
  let gateway: GatewayHandles;
  let folder: string;

  beforeAll(async () => {
    product = await startTestSubgraph('pchg_product', startProductService);
    inventory = await startTestSubgraph('pchg_inventory', startInventoryService, { prefix: product.prefix });
    const sdl = (name: string) => readFileSync(join(__dirname, '..', '..', '..', 'subgraphs', name, 'schema.graphql'), 'utf8');
    const composition = composeSupergraph(
      [product, inventory].map(({ service }) => ({ name: service.name, url: service.url, sdl: sdl(service.name) })),
    );
    if ('errors' in composition) throw new Error(composition.errors.join('\n'));
    folder = mkdtempSync(join(tmpdir(), 'gateway-product-changed-'));
    writeFileSync(join(folder, 'supergraph.graphql'), composition.supergraphSdl);
    gateway = await startGateway({ config: { port: 0, queuePrefix: product.prefix }, supergraphFile: join(folder, 'supergraph.graphql') });
  });

  afterAll(async () => {
    await gateway?.stop();
    await inventory?.stop();
    await product?.stop(); // also deletes the shared queue prefix
    rmSync(folder, { recursive: true, force: true });
  });

  async function createProduct(price: string, available: number): Promise<string> {
    const sku = `LIVE-${randomUUID().slice(0, 8)}`;
    const created = await ask(gateway, admin, `mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }`, {
      i: { sku, name: `Live ${sku}`, price, currency: 'GBP' },
    });
    expect(created.errors).toBeUndefined();
    await waitFor(
      async () => !(await ask(gateway, admin, `mutation { setStock(sku: "${sku}", available: ${available}) { available } }`)).errors,
      {
        what: `the stock row of ${sku}`,
      },
    );
    return sku;
  }

  it('sends each product as it is, then every change of its price and stock, to an anonymous subscriber', async () => {
    const [lamp, mug] = [await createProduct('10.00', 5), await createProduct('4.00', 8)];
    const { client } = await connectClient(gateway, null);
    const watched = new Watched(client, WATCH, { skus: [lamp, mug] });
    await watched.waitForMessages(2, 'the current state of both');

    await ask(gateway, admin, `mutation { changePrice(sku: "${lamp}", price: "12.50") { sku } }`);
    await watched.waitForMessages(3, 'the new price');
    await ask(gateway, admin, `mutation { setStock(sku: "${mug}", available: 3) { available } }`);
    await watched.waitForMessages(4, 'the new stock');
    await ask(gateway, admin, `mutation { deactivateProduct(sku: "${mug}") { sku } }`);
    await watched.waitForMessages(5, 'the product deactivated');

    expect(watched.values('productChanged')).toEqual([
      { sku: lamp, price: { amount: '10.00' }, active: true, stock: { available: 5, reserved: 0 } },
      { sku: mug, price: { amount: '4.00' }, active: true, stock: { available: 8, reserved: 0 } },
      { sku: lamp, price: { amount: '12.50' }, active: true, stock: { available: 5, reserved: 0 } },
      { sku: mug, price: { amount: '4.00' }, active: true, stock: { available: 3, reserved: 0 } },
      { sku: mug, price: { amount: '4.00' }, active: false, stock: { available: 3, reserved: 0 } },
    ]);
    watched.unsubscribe();
    await client.dispose();
  });

  it('sends nothing for a change its selection does not show', async () => {
    const sku = await createProduct('7.00', 4);
    const { client } = await connectClient(gateway, null);
    const watched = new Watched(client, `subscription ($skus: [ID!]!) { productChanged(skus: $skus) { price { amount } } }`, {
      skus: [sku],
    });
    await watched.waitForMessages(1, 'the current state');
    await ask(gateway, admin, `mutation { setStock(sku: "${sku}", available: 9) { available } }`);
    await ask(gateway, admin, `mutation { changePrice(sku: "${sku}", price: "7.50") { sku } }`);
    await watched.waitForMessages(2, 'the new price');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watched.values('productChanged')).toEqual([{ price: { amount: '7.00' } }, { price: { amount: '7.50' } }]);
    watched.unsubscribe();
    await client.dispose();
  });

  it.each([
    ['no SKU', [], 'BAD_USER_INPUT', 'skus must name at least one product'],
    [
      'too many SKUs',
      Array.from({ length: MAX_PRODUCT_SKUS + 1 }, (_, i) => `MANY-${i}`),
      'BAD_USER_INPUT',
      'skus may name at most 100 products',
    ],
    ['an unknown SKU', ['NO-SUCH-SKU'], 'NOT_FOUND', 'product NO-SUCH-SKU not found'],
  ])('refuses %s', async (_, skus, code, message) => {
    const { client } = await connectClient(gateway, null);
    const watched = new Watched(client, WATCH, { skus });
    await watched.ended;
    expect(watched.graphqlErrors).toEqual([expect.objectContaining({ message, extensions: expect.objectContaining({ code }) })]);
    await client.dispose();
    await waitFor(() => gateway.subscriptions.registrySizes().listeners === 0, { what: 'its listeners released' });
  });
});
