import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayHandles, startGateway } from '@shop/gateway/src/gateway';
import { composeSupergraph, subgraphsOnDisk } from '@shop/gateway/src/supergraph';
import { type Identity, loadConfig } from '@shop/platform';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { seedDemoCatalogue } from '../../ops/launcher/demo-catalogue';
import { type Shop, startShop } from '../../ops/world/shop';

// The storefront in a real browser (headless Chromium), served by the gateway, against the whole
// system: sign in as a demo customer, fill a cart, check out and watch the saga live. With
// STOREFRONT_SCREENSHOTS=1 it also writes the README's screenshots to docs/screenshots/.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = process.env.STOREFRONT_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'screenshots') : undefined;
const admin: Identity = { sub: 'storefront-admin', role: 'admin' };
const LIVE_MS = 20_000;

describe('the storefront in a browser', () => {
  let shop: Shop;
  let base: string;
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    shop = await startShop({ label: 'storefront', env: { CHECKOUT_STEP_TIMEOUT_MS: '20000' } });
    base = shop.gateway.url.replace(/\/graphql$/, '');
    await seedDemoCatalogue((query, variables) => shop.query(query, variables, admin));
    userDataDir = mkdtempSync(join(tmpdir(), 'storefront-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await shop?.close();
  });

  const screenshot = async (name: string) => {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };
  const card = (sku: string) => page.locator(`article.product[data-sku="${sku}"]`);
  const cartRow = (sku: string) => page.locator(`tr[data-sku="${sku}"]`);

  async function addToCart(sku: string, expectedInCart: number) {
    await card(sku).getByRole('button', { name: 'Add to cart' }).click();
    await card(sku)
      .locator('.in-cart')
      .filter({ hasText: `${expectedInCart} in your cart` })
      .waitFor();
  }

  // A mark on the page's global object: a full reload would clear it.
  const markPage = () => page.evaluate(() => void ((globalThis as { notReloaded?: boolean }).notReloaded = true));
  const notReloaded = () => page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded === true);

  /** Places the order from the cart page, then waits for the checkout page. */
  async function placeOrder(paymentToken: string) {
    await page.locator(`input[name="paymentToken"][value="${paymentToken}"]`).check();
    await markPage();
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.waitForURL(/\/checkout\/[0-9a-f-]+$/);
  }

  it('signs in as a demo customer, searches, and fills the cart', async () => {
    await page.goto(`${base}/`);
    await card('TRAIL-SHOE-42').waitFor();
    await page.getByLabel('Demo customer').fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('alice');

    await page.getByLabel('Search products').fill('socks');
    await card('TRAIL-SHOE-42').waitFor({ state: 'detached' });
    await expect(page.locator('article.product').count()).resolves.toBe(1);
    await addToCart('WOOL-SOCKS-3P', 1);
    await page.getByLabel('Search products').fill('');
    await card('TRAIL-SHOE-42').waitFor();
    await addToCart('TRAIL-SHOE-42', 1);
    await screenshot('catalogue');

    await page.getByRole('link', { name: 'Cart · 2' }).click();
    await cartRow('TRAIL-SHOE-42').getByRole('button', { name: 'One more' }).click();
    await cartRow('TRAIL-SHOE-42').getByTestId('quantity').filter({ hasText: '2' }).waitFor();
    await cartRow('WOOL-SOCKS-3P').getByRole('button', { name: 'Remove' }).click();
    await cartRow('WOOL-SOCKS-3P').waitFor({ state: 'detached' });
    await expect(page.getByTestId('cart-total').textContent()).resolves.toBe('£179.98');
  });

  it('shows stock changes in the catalogue as they happen, over productChanged', async () => {
    await markPage();
    await page.getByRole('link', { name: 'Shop' }).click();
    await page.locator('.live:not(.off)').waitFor();
    const stocked = await shop.query(`mutation { setStock(sku: "DAYPACK-20L", available: 3) { available } }`, {}, admin);
    expect(stocked.errors).toBeUndefined();
    await card('DAYPACK-20L').getByText('Only 3 left').waitFor({ timeout: LIVE_MS });
    await expect(notReloaded()).resolves.toBe(true);
    await page.getByRole('link', { name: 'Cart · 2' }).click();
  });

  it('shows a new price in the cart when an admin changes it, without reloading', async () => {
    await markPage();
    const changed = await shop.query(`mutation { changePrice(sku: "TRAIL-SHOE-42", price: "79.99") { sku } }`, {}, admin);
    expect(changed.errors).toBeUndefined();
    await cartRow('TRAIL-SHOE-42').getByTestId('unit-price').filter({ hasText: '£79.99' }).waitFor({ timeout: LIVE_MS });
    await page.getByTestId('cart-total').filter({ hasText: '£159.98' }).waitFor({ timeout: LIVE_MS });
    await expect(notReloaded()).resolves.toBe(true);
    await screenshot('cart');
  });

  it('checks out with tok_visa and sees each step up to COMPLETED appear live', async () => {
    await placeOrder('tok_visa');
    const completed = page.locator('li[data-status="COMPLETED"][data-state="done"]');
    await completed.waitFor({ timeout: LIVE_MS });
    for (const status of ['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED']) {
      await expect(page.locator(`li[data-status="${status}"] .step-time`).textContent()).resolves.toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} \+\d+ ms$/,
      );
    }
    await expect(notReloaded()).resolves.toBe(true);
    await page.getByText(/is paid/).waitFor();
    await screenshot('checkout-completed');
  });

  it('shows the order in the history and its shipping as it happens', async () => {
    await page.getByRole('link', { name: 'See your orders' }).click();
    const order = page.locator('article.order').first();
    await order.locator('.status-paid').waitFor();
    const id = await order.getAttribute('data-order');
    const shipped = await shop.query(`mutation ($id: ID!) { shipOrder(id: $id, trackingNumber: "TRK-1234") { status } }`, { id }, admin);
    expect(shipped.errors).toBeUndefined();
    await order.locator('.status-shipped').waitFor({ timeout: LIVE_MS });
    await order.getByText('Tracking TRK-1234').waitFor();
  });

  it('checks out with tok_declined and shows why it failed', async () => {
    await page.getByRole('link', { name: 'Shop' }).click();
    await addToCart('HEADLAMP-400', 1);
    await page.getByRole('link', { name: 'Cart · 1' }).click();
    await placeOrder('tok_declined');
    await page.locator('li[data-status="FAILED"]').waitFor({ timeout: LIVE_MS });
    await expect(page.getByTestId('failure-reason').textContent()).resolves.toMatch(/^payment failed: /);
    await expect(page.locator('li[data-status="PROCESSING_PAYMENT"]').getAttribute('data-state')).resolves.toBe('failed');
    await expect(page.locator('li[data-status="COMPLETED"]').getAttribute('data-state')).resolves.toBe('pending');
    await expect(notReloaded()).resolves.toBe(true);
    await screenshot('checkout-failed');
  });

  it('lets an admin with a pasted token change a price, and shows it in the catalogue', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByLabel('Admin token').fill(await shop.token(admin));
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.getByLabel('Price of FIRST-AID-KIT').fill('17.50');
    await page.locator('tr[data-sku="FIRST-AID-KIT"]').getByRole('button', { name: 'Set price' }).click();
    await page.getByText('FIRST-AID-KIT now costs 17.50').waitFor();
    // Two checkouts started, one completed; alice's confirmation and shipping emails.
    await page.getByTestId('analytics').getByText('1 · 50%').waitFor({ timeout: LIVE_MS });
    await page.getByTestId('emails').getByText('to alice@example.com').nth(1).waitFor({ timeout: LIVE_MS });
    await screenshot('admin');
    await page.getByTestId('analytics').scrollIntoViewIfNeeded();
    await screenshot('admin-sales-and-emails');
    await page.getByRole('link', { name: 'Shop' }).click();
    await card('FIRST-AID-KIT').getByTestId('price').filter({ hasText: '£17.50' }).waitFor();
  });

  it('serves the GraphQL explorer from the gateway itself', async () => {
    await page.goto(`${base}/graphiql`);
    await page.locator('.graphiql-query-editor').getByText('products(first: 5)').waitFor();
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').getByText('"products"').waitFor();
    const html = await (await fetch(`${base}/graphiql`)).text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/graphiql-[\w-]+\.js"><\/script>/);
    expect(html).not.toMatch(/src="https?:/);
    await screenshot('graphiql');
  });

  describe('in production mode', () => {
    let production: GatewayHandles;
    let folder: string;

    beforeAll(async () => {
      const composition = composeSupergraph(subgraphsOnDisk(shop.urls));
      if ('errors' in composition) throw new Error(composition.errors.join('; '));
      folder = mkdtempSync(join(tmpdir(), 'storefront-production-'));
      writeFileSync(join(folder, 'supergraph.graphql'), composition.supergraphSdl);
      production = await startGateway({
        // The subgraphs run with the development signing key: production mode needs it given explicitly.
        env: {
          ...process.env,
          NODE_ENV: 'production',
          JWT_SECRET: 'p'.repeat(48),
          INTERNAL_SIGNING_KEY: loadConfig('gateway', {}).internalSigningKey,
        },
        config: { port: 0, queuePrefix: shop.prefix, serviceUrls: shop.urls },
        supergraphFile: join(folder, 'supergraph.graphql'),
      });
    });

    afterAll(async () => {
      await production?.stop();
      if (folder) rmSync(folder, { recursive: true, force: true });
    });

    it('has no storefront, no explorer and no demo sign-in (404), while the API answers', async () => {
      const origin = production.url.replace(/\/graphql$/, '');
      for (const path of ['/', '/cart', '/graphiql']) expect([path, (await fetch(`${origin}${path}`)).status]).toEqual([path, 404]);
      const demo = await fetch(`${origin}/demo/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer: 'alice' }),
      });
      expect(demo.status).toBe(404);
      const api = await fetch(production.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ product(sku: "TRAIL-SHOE-42") { sku } }' }),
      });
      expect(await api.json()).toEqual({ data: { product: { sku: 'TRAIL-SHOE-42' } } });
    });
  });
});
