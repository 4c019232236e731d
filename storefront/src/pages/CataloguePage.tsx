import { useCallback, useEffect, useState } from 'react';
import { request } from '../api/graphql';
import { PRODUCTS, type Product } from '../api/operations';
import { useCart } from '../cart';
import { money } from '../format';
import { useProductChanges } from '../live';
import { useSession } from '../session';
import { LiveBadge, Notice, StockBadge } from './common';

export function CataloguePage() {
  const [search, setSearch] = useState('');
  const [products, setProducts] = useState<Product[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The SKUs whose price just changed, highlighted for a moment.
  const [changed, setChanged] = useState<Set<string>>(new Set());

  const load = useCallback(async (term: string) => {
    try {
      const { products } = await request<{ products: { items: Product[] } }>(PRODUCTS, { search: term || null });
      setProducts(products.items);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  useEffect(() => {
    const debounce = setTimeout(() => load(search.trim()), 200);
    return () => clearTimeout(debounce);
  }, [search, load]);

  const liveness = useProductChanges(
    products?.map((p) => p.sku) ?? [],
    (product) => {
      setProducts(
        (current) =>
          current?.map((p) => {
            if (p.sku !== product.sku) return p;
            if (p.price.amount !== product.price.amount) flash(product.sku);
            return product;
          }) ?? null,
      );
    },
    () => load(search.trim()),
  );

  const flash = (sku: string) => {
    setChanged((current) => new Set(current).add(sku));
    setTimeout(() => setChanged((current) => new Set([...current].filter((s) => s !== sku))), 2500);
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>The catalogue</h1>
          <p className="muted">Prices and stock update on their own when they change.</p>
        </div>
        <div className="page-tools">
          <LiveBadge liveness={liveness} />
          <input
            className="search"
            type="search"
            placeholder="Search products…"
            aria-label="Search products"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {products?.length === 0 && <Notice>No product matches “{search}”.</Notice>}
      <div className="grid">
        {products
          ?.filter((p) => p.active)
          .map((product) => (
            <ProductCard key={product.sku} product={product} priceChanged={changed.has(product.sku)} />
          ))}
      </div>
    </section>
  );
}

function ProductCard({ product, priceChanged }: { product: Product; priceChanged: boolean }) {
  const { customer } = useSession();
  const { cart, add } = useCart();
  const [quantity, setQuantity] = useState(1);
  const [state, setState] = useState<{ busy?: boolean; error?: string; added?: boolean }>({});
  const available = product.stock?.available ?? 0;
  const inCart = cart?.lines.find((line) => line.sku === product.sku)?.quantity ?? 0;

  const addToCart = async () => {
    setState({ busy: true });
    try {
      await add(product.sku, quantity);
      setState({ added: true });
    } catch (err) {
      setState({ error: (err as Error).message });
    }
  };

  return (
    <article className="card product" data-sku={product.sku}>
      <div className="product-art" aria-hidden>
        {product.name.slice(0, 1)}
      </div>
      <div className="product-body">
        <h2 className="product-name">{product.name}</h2>
        <div className="muted sku">{product.sku}</div>
        {product.description && <p className="product-description">{product.description}</p>}
      </div>
      <div className="product-foot">
        <span className={priceChanged ? 'price flash' : 'price'} data-testid="price">
          {money(product.price)}
        </span>
        <StockBadge stock={product.stock} />
      </div>
      {customer ? (
        <div className="product-actions">
          <input
            type="number"
            min={1}
            max={Math.max(1, available)}
            value={quantity}
            aria-label={`Quantity of ${product.name}`}
            onChange={(e) => setQuantity(Math.max(1, Number(e.target.value) || 1))}
          />
          <button className="button" onClick={addToCart} disabled={state.busy || available === 0}>
            Add to cart
          </button>
        </div>
      ) : (
        <div className="muted small">Sign in as a demo customer to buy.</div>
      )}
      {state.error && <div className="error-text">{state.error}</div>}
      {inCart > 0 && <div className="in-cart">{inCart} in your cart</div>}
    </article>
  );
}
