import { useEffect, useState } from 'react';
import { request, subscribe } from '../api/graphql';
import { CHECKOUT, CHECKOUT_STATUS_CHANGED, type Checkout, type CheckoutStatus } from '../api/operations';
import { useCart } from '../cart';
import { money, shortId, time } from '../format';
import { Link } from '../router';
import { useSession } from '../session';
import { Notice, SignInFirst, StatusBadge } from './common';

const STEPS: { status: CheckoutStatus; label: string }[] = [
  { status: 'RESERVING_STOCK', label: 'Reserving stock' },
  { status: 'PROCESSING_PAYMENT', label: 'Processing payment' },
  { status: 'CREATING_ORDER', label: 'Creating the order' },
  { status: 'COMPLETED', label: 'Completed' },
];

// After a failure the provider may still answer (tok_slow): look at the payment a while longer to show its refund.
const LATE_PAYMENT_POLL_MS = 3_000;
const LATE_PAYMENT_WATCH_MS = 90_000;

/** One checkout's saga, step by step as checkoutStatusChanged reports it. */
export function CheckoutPage({ id }: { id: string }) {
  const { customer } = useSession();
  const { reload: reloadCart } = useCart();
  const [checkout, setCheckout] = useState<Checkout | null>(null);
  const [error, setError] = useState<string | null>(null);
  const token = customer?.token ?? null;

  useEffect(() => {
    if (!token) return;
    return subscribe<{ checkoutStatusChanged: Checkout }>(CHECKOUT_STATUS_CHANGED, { id }, token, {
      next: ({ checkoutStatusChanged }) => setCheckout(checkoutStatusChanged),
      error: (err) => setError(err.message),
    });
  }, [id, token]);

  const status = checkout?.status;
  useEffect(() => {
    if (status === 'COMPLETED') reloadCart().catch(() => undefined);
  }, [status, reloadCart]);

  const paymentPending = status === 'FAILED' && checkout?.payment?.status === 'PENDING';
  useEffect(() => {
    if (!paymentPending || !token) return;
    const startedAt = Date.now();
    const timer = setInterval(async () => {
      if (Date.now() - startedAt > LATE_PAYMENT_WATCH_MS) return clearInterval(timer);
      const latest = await request<{ checkout: Checkout }>(CHECKOUT, { id }, token).catch(() => null);
      if (latest?.checkout) setCheckout(latest.checkout);
    }, LATE_PAYMENT_POLL_MS);
    return () => clearInterval(timer);
  }, [paymentPending, id, token]);

  if (!customer) return <SignInFirst what="this checkout" />;
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!checkout) return <Notice>Connecting to checkout {shortId(id)}…</Notice>;

  const reached = new Map(checkout.history.map((h) => [h.status, h.at]));
  const started = new Date(checkout.history[0]?.at ?? checkout.createdAt).getTime();
  const failedAt = checkout.history.find((h) => h.status === 'FAILED');
  // The step the saga was in when it failed: the last one it reached.
  const failedStep = failedAt ? [...checkout.history].reverse().find((h) => h.status !== 'FAILED')?.status : undefined;

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Checkout {shortId(checkout.id)}</h1>
          <p className="muted">
            {itemCount(checkout)} · {money(checkout.total)}
          </p>
        </div>
        <StatusBadge status={checkout.status} />
      </div>
      <div className="card">
        <ol className="steps" data-testid="checkout-steps">
          {STEPS.map((step) => {
            const at = reached.get(step.status);
            const failedHere = step.status === failedStep;
            const current = checkout.status === step.status;
            const state = failedHere ? 'failed' : at ? (current && step.status !== 'COMPLETED' ? 'current' : 'done') : 'pending';
            return (
              <li key={step.status} className={`step ${state}`} data-status={step.status} data-state={state}>
                <span className="step-dot">{state === 'done' ? '✓' : state === 'failed' ? '✕' : ''}</span>
                <span className="step-label">{step.label}</span>
                {at && (
                  <span className="step-time">
                    {time(at)} <span className="muted">+{new Date(at).getTime() - started} ms</span>
                  </span>
                )}
              </li>
            );
          })}
          {failedAt && (
            <li className="step failed" data-status="FAILED" data-state="failed">
              <span className="step-dot">✕</span>
              <span className="step-label">Failed</span>
              <span className="step-time">
                {time(failedAt.at)} <span className="muted">+{new Date(failedAt.at).getTime() - started} ms</span>
              </span>
            </li>
          )}
        </ol>
        {checkout.status === 'FAILED' && (
          <Notice kind="error">
            <strong>The checkout failed:</strong> <span data-testid="failure-reason">{checkout.failureReason ?? 'no reason given'}</span>
          </Notice>
        )}
        {checkout.status === 'COMPLETED' && checkout.order && (
          <Notice kind="success">
            Order <strong>{shortId(checkout.order.id)}</strong> is {checkout.order.status.toLowerCase()}.{' '}
            <Link to="/orders">See your orders</Link>
          </Notice>
        )}
        {checkout.payment && (
          <p className="muted">
            Payment: <StatusBadge status={checkout.payment.status} />
            {checkout.payment.failureReason && ` ${checkout.payment.failureReason}`}
            {paymentPending && ' (still waiting for the provider: a late success is refunded)'}
          </p>
        )}
      </div>
    </section>
  );
}

function itemCount(checkout: Checkout): string {
  const count = checkout.lines.reduce((n, line) => n + line.quantity, 0);
  return count === 1 ? '1 item' : `${count} items`;
}
