import { useEffect, useState } from 'react';
import { request } from '../api/graphql';
import { type Product, START_CHECKOUT } from '../api/operations';
import { useCart } from '../cart';
import { money } from '../format';
import { useProductChanges } from '../live';
import { navigate } from '../router';
import { useSession } from '../session';
import { LiveBadge, Notice, SignInFirst } from './common';

/** The simulated provider's tokens (api.graphql, CheckoutInput.paymentToken). */
const PAYMENT_TOKENS = [
  { token: 'tok_visa', label: 'Visa ending 4242', hint: 'Succeeds' },
  { token: 'tok_declined', label: 'Declined card', hint: 'The bank says no' },
  { token: 'tok_timeout', label: 'Silent provider', hint: 'Never answers: the step deadline fails it' },
  { token: 'tok_slow', label: 'Slow provider', hint: 'Pays after the deadline, then refunded' },
];

// The cart's unit prices follow ProductPriceChanged through the cart service's own consumer, a
// moment after productChanged reports the new price: ask again until the cart has caught up.
const CATCH_UP_ATTEMPTS = 10;
const CATCH_UP_INTERVAL_MS = 300;

export function CartPage() {
  const { customer } = useSession();
  const { cart, reload, setQuantity, remove } = useCart();
  const [error, setError] = useState<string | null>(null);
  const [paymentToken, setPaymentToken] = useState('tok_visa');
  const [placing, setPlacing] = useState(false);

  const liveness = useProductChanges(
    cart?.lines.map((line) => line.sku) ?? [],
    (product: Product) => {
      const line = cart?.lines.find((l) => l.sku === product.sku);
      if (line && line.unitPrice.amount !== product.price.amount) catchUp(product);
    },
    () => reload(),
  );

  // The cart changes elsewhere too (a checkout removes its lines): show it as it is now.
  useEffect(() => {
    reload().catch((err: Error) => setError(err.message));
  }, [reload]);

  const catchUp = async (product: Product) => {
    for (let attempt = 0; attempt < CATCH_UP_ATTEMPTS; attempt++) {
      const current = await reload().catch(() => null);
      const line = current?.lines.find((l) => l.sku === product.sku);
      if (!line || line.unitPrice.amount === product.price.amount) return;
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_INTERVAL_MS));
    }
  };

  if (!customer) return <SignInFirst what="your cart" />;

  const run = async (change: () => Promise<void>) => {
    setError(null);
    try {
      await change();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const placeOrder = async () => {
    setPlacing(true);
    setError(null);
    try {
      const { startCheckout } = await request<{ startCheckout: { id: string } }>(
        START_CHECKOUT,
        { input: { paymentToken, idempotencyKey: crypto.randomUUID() } },
        customer.token,
      );
      navigate(`/checkout/${startCheckout.id}`);
    } catch (err) {
      setError((err as Error).message);
      setPlacing(false);
    }
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Your cart</h1>
          <p className="muted">Prices follow the catalogue until you check out.</p>
        </div>
        {cart && cart.lines.length > 0 && <LiveBadge liveness={liveness} />}
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {cart && cart.lines.length === 0 && <Notice>Your cart is empty.</Notice>}
      {cart && cart.lines.length > 0 && (
        <div className="cart-layout">
          <div className="card">
            <table className="table">
              <thead>
                <tr>
                  <th>Product</th>
                  <th className="num">Unit price</th>
                  <th>Quantity</th>
                  <th className="num">Line total</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {cart.lines.map((line) => (
                  <tr key={line.sku} data-sku={line.sku}>
                    <td>
                      <div>{line.product?.name ?? line.sku}</div>
                      <div className="muted small">{line.sku}</div>
                    </td>
                    <td className="num" data-testid="unit-price">
                      {money(line.unitPrice)}
                    </td>
                    <td>
                      <div className="stepper">
                        <button aria-label="One fewer" onClick={() => run(() => setQuantity(line.sku, line.quantity - 1))}>
                          −
                        </button>
                        <span data-testid="quantity">{line.quantity}</span>
                        <button aria-label="One more" onClick={() => run(() => setQuantity(line.sku, line.quantity + 1))}>
                          +
                        </button>
                      </div>
                    </td>
                    <td className="num">{money(lineTotal(line.unitPrice.amount, line.quantity, line.unitPrice.currency))}</td>
                    <td>
                      <button className="link-button" onClick={() => run(() => remove(line.sku))}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <td colSpan={3}>Total</td>
                  <td className="num total" data-testid="cart-total">
                    {money(cart.total)}
                  </td>
                  <td />
                </tr>
              </tfoot>
            </table>
          </div>
          <aside className="card checkout-panel">
            <h2>Pay with</h2>
            <div className="payment-options" role="radiogroup" aria-label="Payment token">
              {PAYMENT_TOKENS.map((option) => (
                <label key={option.token} className={paymentToken === option.token ? 'payment-option chosen' : 'payment-option'}>
                  <input
                    type="radio"
                    name="paymentToken"
                    value={option.token}
                    checked={paymentToken === option.token}
                    onChange={() => setPaymentToken(option.token)}
                  />
                  <span>
                    <strong>{option.label}</strong> <code>{option.token}</code>
                    <br />
                    <span className="muted small">{option.hint}</span>
                  </span>
                </label>
              ))}
            </div>
            <button className="button wide" onClick={placeOrder} disabled={placing}>
              Place order · {money(cart.total)}
            </button>
          </aside>
        </div>
      )}
    </section>
  );
}

/** unit × quantity in minor units, so the line total stays exact. */
function lineTotal(unit: string, quantity: number, currency: string) {
  const [whole, fraction = ''] = unit.split('.');
  const digits = fraction.length;
  const minor = BigInt(whole + fraction) * BigInt(quantity);
  const text = minor.toString().padStart(digits + 1, '0');
  return { amount: digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text, currency };
}
