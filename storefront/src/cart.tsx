import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { request } from './api/graphql';
import { ADD_TO_CART, type Cart, MY_CART, REMOVE_FROM_CART, UPDATE_CART_LINE } from './api/operations';
import { useSession } from './session';

interface CartState {
  cart: Cart | null;
  reload(): Promise<Cart | null>;
  add(sku: string, quantity: number): Promise<void>;
  setQuantity(sku: string, quantity: number): Promise<void>;
  remove(sku: string): Promise<void>;
}

const CartContext = createContext<CartState | null>(null);

/** The signed-in customer's cart, shared by the header, the catalogue and the cart page. */
export function CartProvider({ children }: { children: ReactNode }) {
  const { customer } = useSession();
  const token = customer?.token ?? null;
  const [cart, setCart] = useState<Cart | null>(null);

  const reload = useCallback(async () => {
    if (!token) return null;
    const { myCart } = await request<{ myCart: Cart }>(MY_CART, {}, token);
    setCart(myCart);
    return myCart;
  }, [token]);

  useEffect(() => {
    setCart(null);
    reload().catch(() => setCart(null));
  }, [reload]);

  const state = useMemo<CartState>(
    () => ({
      cart,
      reload,
      add: async (sku, quantity) => setCart((await request<{ addToCart: Cart }>(ADD_TO_CART, { sku, quantity }, token)).addToCart),
      setQuantity: async (sku, quantity) =>
        setCart((await request<{ updateCartLine: Cart }>(UPDATE_CART_LINE, { sku, quantity }, token)).updateCartLine),
      remove: async (sku) => setCart((await request<{ removeFromCart: Cart }>(REMOVE_FROM_CART, { sku }, token)).removeFromCart),
    }),
    [cart, reload, token],
  );
  return <CartContext.Provider value={state}>{children}</CartContext.Provider>;
}

export function useCart(): CartState {
  const state = useContext(CartContext);
  if (!state) throw new Error('useCart needs a CartProvider');
  return state;
}
