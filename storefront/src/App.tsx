import { type FormEvent, useState } from 'react';
import { CartProvider, useCart } from './cart';
import { AdminPage } from './pages/AdminPage';
import { CartPage } from './pages/CartPage';
import { CataloguePage } from './pages/CataloguePage';
import { CheckoutPage } from './pages/CheckoutPage';
import { OrdersPage } from './pages/OrdersPage';
import { Link, usePath } from './router';
import { SessionProvider, useSession } from './session';

const DEMO_CUSTOMERS = ['alice', 'bob', 'chen'];

export function App() {
  return (
    <SessionProvider>
      <CartProvider>
        <Shell />
      </CartProvider>
    </SessionProvider>
  );
}

function Shell() {
  const path = usePath();
  const checkoutId = /^\/checkout\/([^/]+)$/.exec(path)?.[1];
  return (
    <>
      <Header path={path} />
      <main className="page">
        {path === '/cart' ? (
          <CartPage />
        ) : checkoutId ? (
          <CheckoutPage id={decodeURIComponent(checkoutId)} />
        ) : path === '/orders' ? (
          <OrdersPage />
        ) : path === '/admin' ? (
          <AdminPage />
        ) : (
          <CataloguePage />
        )}
      </main>
      <footer className="footer">
        A demo of shop-federation: every screen uses only the public GraphQL API at <code>/graphql</code>.{' '}
        <a href="/graphiql">Open the GraphQL explorer</a>
      </footer>
    </>
  );
}

function Header({ path }: { path: string }) {
  const { cart } = useCart();
  const items = cart?.lines.reduce((sum, line) => sum + line.quantity, 0) ?? 0;
  const tab = (to: string, label: string, active = path === to) => (
    <Link to={to} className={active ? 'tab active' : 'tab'}>
      {label}
    </Link>
  );
  return (
    <header className="header">
      <Link to="/" className="brand">
        <span className="brand-mark">▲</span> Trailhead Outfitters
      </Link>
      <nav className="tabs">
        {tab('/', 'Shop')}
        {tab('/cart', items ? `Cart · ${items}` : 'Cart', path === '/cart' || path.startsWith('/checkout/'))}
        {tab('/orders', 'Orders')}
        {tab('/admin', 'Admin')}
      </nav>
      <SignIn />
    </header>
  );
}

function SignIn() {
  const { customer, signIn, signOut } = useSession();
  const [name, setName] = useState(DEMO_CUSTOMERS[0]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (customer) {
    return (
      <div className="signin">
        <span className="avatar">{customer.id.slice(0, 1).toUpperCase()}</span>
        <span className="signin-name" data-testid="signed-in-as">
          {customer.id}
        </span>
        <button className="link-button" onClick={signOut}>
          Sign out
        </button>
      </div>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(name.trim());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="signin" onSubmit={submit}>
      <label className="muted" htmlFor="customer">
        Demo customer
      </label>
      <input id="customer" list="demo-customers" value={name} onChange={(e) => setName(e.target.value)} size={10} />
      <datalist id="demo-customers">
        {DEMO_CUSTOMERS.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <button className="button small" disabled={busy || !name.trim()}>
        Sign in
      </button>
      {error && <span className="error-text">{error}</span>}
    </form>
  );
}
