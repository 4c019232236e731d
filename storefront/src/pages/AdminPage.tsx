import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { request } from '../api/graphql';
import {
  ADMIN_ORDERS,
  CHANGE_PRICE,
  CREATE_PRODUCT,
  DEACTIVATE_PRODUCT,
  type Order,
  type OrderStatus,
  PRODUCTS,
  type Product,
  REACTIVATE_PRODUCT,
  REFUND_ORDER,
  SET_STOCK,
  SHIP_ORDER,
} from '../api/operations';
import { dateTime, money, shortId } from '../format';
import { useSession } from '../session';
import { AnalyticsPanel, EmailsPanel } from './AdminInsights';
import { Notice, StatusBadge } from './common';

type Run = (what: () => Promise<unknown>, done?: string) => Promise<boolean>;

/** Products, stock, orders, sales and emails, as an admin token allows. */
export function AdminPage() {
  const { adminToken, setAdminToken } = useSession();
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);

  if (!adminToken) return <AdminSignIn onToken={setAdminToken} />;

  const run: Run = async (what, done) => {
    setMessage(null);
    try {
      await what();
      if (done) setMessage({ kind: 'success', text: done });
      return true;
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
      return false;
    }
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Admin</h1>
          <p className="muted">Everything here goes through the same public API, with an admin token.</p>
        </div>
        <button className="link-button" onClick={() => setAdminToken(null)}>
          Forget the admin token
        </button>
      </div>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <ProductsPanel token={adminToken} run={run} />
      <OrdersPanel token={adminToken} run={run} />
      <div className="two-columns">
        <AnalyticsPanel token={adminToken} />
        <EmailsPanel token={adminToken} />
      </div>
    </section>
  );
}

function AdminSignIn({ onToken }: { onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onToken(token.trim().replace(/^Bearer\s+/i, ''));
  };
  return (
    <section className="narrow">
      <h1>Admin</h1>
      <form className="card form" onSubmit={submit}>
        <p>
          Admin tokens are never handed out by the app. Make one on the server and paste it here:
          <br />
          <code>npm run token -- --sub admin --role admin</code>
        </p>
        <textarea aria-label="Admin token" rows={4} placeholder="eyJhbGciOi…" value={token} onChange={(e) => setToken(e.target.value)} />
        <button className="button" disabled={!token.trim()}>
          Use this token
        </button>
      </form>
    </section>
  );
}

function ProductsPanel({ token, run }: { token: string; run: Run }) {
  const [products, setProducts] = useState<Product[]>([]);
  const load = useCallback(async () => {
    const { products } = await request<{ products: { items: Product[] } }>(PRODUCTS, { includeInactive: true }, token);
    setProducts(products.items);
  }, [token]);
  useEffect(() => {
    run(load);
  }, [load]);

  return (
    <div className="card panel">
      <h2>Products</h2>
      <CreateProductForm token={token} run={run} onCreated={load} />
      <table className="table">
        <thead>
          <tr>
            <th>SKU</th>
            <th>Name</th>
            <th>Price</th>
            <th>Stock (available · reserved · sold)</th>
            <th>Active</th>
          </tr>
        </thead>
        <tbody>
          {products.map((product) => (
            <ProductRow key={product.sku} product={product} token={token} run={run} onChanged={load} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreateProductForm({ token, run, onCreated }: { token: string; run: Run; onCreated: () => Promise<void> }) {
  const empty = { sku: '', name: '', description: '', price: '', stock: '10' };
  const [form, setForm] = useState(empty);
  const field = (name: keyof typeof empty) => ({
    value: form[name],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = {
      sku: form.sku.trim(),
      name: form.name.trim(),
      description: form.description.trim() || null,
      price: form.price.trim(),
      currency: 'GBP',
    };
    const created = await run(async () => {
      await request(CREATE_PRODUCT, { input }, token);
      await setStockWhenReady(input.sku, Number(form.stock), token);
      await onCreated();
    }, `Created ${input.sku}`);
    if (created) setForm(empty);
  };

  return (
    <form className="inline-form" onSubmit={submit}>
      <input placeholder="SKU" aria-label="New SKU" required {...field('sku')} />
      <input placeholder="Name" aria-label="New name" required {...field('name')} />
      <input placeholder="Description" aria-label="New description" {...field('description')} />
      <input placeholder="Price, e.g. 19.99" aria-label="New price" required size={10} {...field('price')} />
      <input placeholder="Stock" aria-label="New stock" type="number" min={0} size={6} {...field('stock')} />
      <button className="button small">Create product</button>
    </form>
  );
}

/** Inventory creates the stock row when ProductCreated reaches it: a new product's first setStock may need a moment. */
async function setStockWhenReady(sku: string, available: number, token: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await request(SET_STOCK, { sku, available }, token);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_FOUND' || attempt >= 25) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function ProductRow({ product, token, run, onChanged }: { product: Product; token: string; run: Run; onChanged: () => Promise<void> }) {
  const [price, setPrice] = useState(product.price.amount);
  const [stock, setStock] = useState(String(product.stock?.available ?? 0));
  useEffect(() => setPrice(product.price.amount), [product.price.amount]);
  useEffect(() => setStock(String(product.stock?.available ?? 0)), [product.stock?.available]);

  const changePrice = (event: FormEvent) => {
    event.preventDefault();
    run(async () => {
      await request(CHANGE_PRICE, { sku: product.sku, price: price.trim() }, token);
      await onChanged();
    }, `${product.sku} now costs ${price}`);
  };
  const changeStock = (event: FormEvent) => {
    event.preventDefault();
    run(async () => {
      await request(SET_STOCK, { sku: product.sku, available: Number(stock) }, token);
      await onChanged();
    }, `${product.sku}: ${stock} available`);
  };
  const toggleActive = () =>
    run(async () => {
      await request(product.active ? DEACTIVATE_PRODUCT : REACTIVATE_PRODUCT, { sku: product.sku }, token);
      await onChanged();
    });

  return (
    <tr data-sku={product.sku} className={product.active ? '' : 'inactive'}>
      <td>
        <code>{product.sku}</code>
      </td>
      <td>{product.name}</td>
      <td>
        <form className="cell-form" onSubmit={changePrice}>
          <input aria-label={`Price of ${product.sku}`} value={price} size={8} onChange={(e) => setPrice(e.target.value)} />
          <button className="button small" disabled={price === product.price.amount}>
            Set price
          </button>
        </form>
      </td>
      <td>
        <form className="cell-form" onSubmit={changeStock}>
          <input
            aria-label={`Stock of ${product.sku}`}
            type="number"
            min={0}
            value={stock}
            size={5}
            onChange={(e) => setStock(e.target.value)}
          />
          <button className="button small" disabled={stock === String(product.stock?.available ?? 0)}>
            Set stock
          </button>
          {product.stock && (
            <span className="muted small">
              {product.stock.reserved} · {product.stock.sold}
            </span>
          )}
        </form>
      </td>
      <td>
        <label className="switch">
          <input type="checkbox" checked={product.active} onChange={toggleActive} aria-label={`${product.sku} active`} />
          <span>{product.active ? 'on sale' : 'off sale'}</span>
        </label>
      </td>
    </tr>
  );
}

const ORDER_FILTERS: (OrderStatus | '')[] = ['', 'PAID', 'SHIPPED', 'REFUNDED', 'FAILED'];

function OrdersPanel({ token, run }: { token: string; run: Run }) {
  const [status, setStatus] = useState<OrderStatus | ''>('PAID');
  const [orders, setOrders] = useState<Order[]>([]);
  const load = useCallback(async () => {
    const { orders } = await request<{ orders: { items: Order[] } }>(ADMIN_ORDERS, { status: status || null }, token);
    setOrders(orders.items);
  }, [status, token]);
  useEffect(() => {
    run(load);
  }, [load]);

  return (
    <div className="card panel">
      <div className="panel-head">
        <h2>Orders</h2>
        <select aria-label="Order status" value={status} onChange={(e) => setStatus(e.target.value as OrderStatus | '')}>
          {ORDER_FILTERS.map((s) => (
            <option key={s} value={s}>
              {s || 'All statuses'}
            </option>
          ))}
        </select>
      </div>
      {orders.length === 0 ? (
        <p className="muted">No orders here.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Order</th>
              <th>Customer</th>
              <th>Placed</th>
              <th className="num">Total</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <OrderRow key={order.id} order={order} token={token} run={run} onChanged={load} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function OrderRow({ order, token, run, onChanged }: { order: Order; token: string; run: Run; onChanged: () => Promise<void> }) {
  const [tracking, setTracking] = useState('');
  const ship = (event: FormEvent) => {
    event.preventDefault();
    run(
      async () => {
        await request(SHIP_ORDER, { id: order.id, trackingNumber: tracking.trim() }, token);
        await onChanged();
      },
      `Order ${shortId(order.id)} shipped`,
    );
  };
  const refund = () =>
    run(
      async () => {
        await request(REFUND_ORDER, { id: order.id }, token);
        await onChanged();
      },
      `Refund of order ${shortId(order.id)} requested`,
    );

  return (
    <tr data-order={order.id}>
      <td>
        <code>{shortId(order.id)}</code>
      </td>
      <td>{order.customerId}</td>
      <td>{dateTime(order.createdAt)}</td>
      <td className="num">{money(order.total)}</td>
      <td>
        <StatusBadge status={order.status} />
        {order.trackingNumber && <div className="muted small">{order.trackingNumber}</div>}
      </td>
      <td>
        {order.status === 'PAID' && (
          <form className="cell-form" onSubmit={ship}>
            <input
              aria-label={`Tracking number for ${order.id}`}
              placeholder="Tracking number"
              value={tracking}
              size={12}
              onChange={(e) => setTracking(e.target.value)}
            />
            <button className="button small" disabled={!tracking.trim()}>
              Ship
            </button>
          </form>
        )}
        {(order.status === 'PAID' || order.status === 'SHIPPED') && (
          <button className="link-button" onClick={refund}>
            Refund
          </button>
        )}
      </td>
    </tr>
  );
}
