import { useEffect, useState } from 'react';
import { request, subscribe } from '../api/graphql';
import { MY_ORDERS, ORDER_STATUS_CHANGED, type Order } from '../api/operations';
import { dateTime, money, shortId } from '../format';
import { useSession } from '../session';
import { Notice, SignInFirst, StatusBadge } from './common';

/** The customer's orders, newest first; statuses change on screen through orderStatusChanged. */
export function OrdersPage() {
  const { customer } = useSession();
  const [orders, setOrders] = useState<Order[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const token = customer?.token ?? null;

  useEffect(() => {
    if (!token) return;
    request<{ myOrders: { items: Order[] } }>(MY_ORDERS, {}, token)
      .then(({ myOrders }) => setOrders(myOrders.items))
      .catch((err: Error) => setError(err.message));
    return subscribe<{ orderStatusChanged: Order }>(ORDER_STATUS_CHANGED, {}, token, {
      next: ({ orderStatusChanged: changed }) =>
        setOrders((current) => {
          const others = (current ?? []).filter((o) => o.id !== changed.id);
          return [changed, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        }),
      error: (err) => setError(`live order updates stopped: ${err.message}`),
    });
  }, [token]);

  if (!customer) return <SignInFirst what="your orders" />;
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Your orders</h1>
          <p className="muted">Shipping and refunds show up here as they happen.</p>
        </div>
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {orders?.length === 0 && <Notice>No orders yet.</Notice>}
      <div className="orders">
        {orders?.map((order) => (
          <article key={order.id} className="card order" data-order={order.id}>
            <div className="order-head">
              <div>
                <strong>Order {shortId(order.id)}</strong>
                <div className="muted small">{dateTime(order.createdAt)}</div>
              </div>
              <StatusBadge status={order.status} />
            </div>
            <ul className="order-lines">
              {order.lines.map((line) => (
                <li key={line.sku}>
                  <span>
                    {line.quantity} × {line.product?.name ?? line.sku}
                  </span>
                  <span>{money(line.unitPrice)}</span>
                </li>
              ))}
            </ul>
            <div className="order-foot">
              <span className="muted small">
                {order.trackingNumber
                  ? `Tracking ${order.trackingNumber}`
                  : order.payment
                    ? `Payment ${order.payment.status.toLowerCase()}`
                    : ''}
              </span>
              <strong>{money(order.total)}</strong>
            </div>
          </article>
        ))}
      </div>
    </section>
  );
}
