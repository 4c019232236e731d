import { type ReactNode, createContext, useCallback, useContext, useMemo, useState } from 'react';

export interface Customer {
  id: string;
  token: string;
}

interface Session {
  customer: Customer | null;
  adminToken: string | null;
  signIn(customerId: string): Promise<void>;
  signOut(): void;
  setAdminToken(token: string | null): void;
}

const CUSTOMER_KEY = 'storefront.customer';
const ADMIN_KEY = 'storefront.adminToken';

const SessionContext = createContext<Session | null>(null);

function stored<T>(key: string): T | null {
  try {
    const value = localStorage.getItem(key);
    return value ? (JSON.parse(value) as T) : null;
  } catch {
    return null;
  }
}

function store(key: string, value: unknown): void {
  if (value === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
}

/** Asks the gateway's demo route (development only) for a customer token. */
async function demoToken(customerId: string): Promise<string> {
  const response = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer: customerId }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `the demo sign-in answered ${response.status}`);
  return body.token;
}

/** Who is using the app: the demo customer (from /demo/token) and the admin token pasted in the admin view. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [customer, setCustomer] = useState<Customer | null>(() => stored<Customer>(CUSTOMER_KEY));
  const [adminToken, setAdmin] = useState<string | null>(() => stored<string>(ADMIN_KEY));

  const signIn = useCallback(async (customerId: string) => {
    const signedIn = { id: customerId, token: await demoToken(customerId) };
    store(CUSTOMER_KEY, signedIn);
    setCustomer(signedIn);
  }, []);
  const signOut = useCallback(() => {
    store(CUSTOMER_KEY, null);
    setCustomer(null);
  }, []);
  const setAdminToken = useCallback((token: string | null) => {
    store(ADMIN_KEY, token);
    setAdmin(token);
  }, []);

  const session = useMemo(
    () => ({ customer, adminToken, signIn, signOut, setAdminToken }),
    [customer, adminToken, signIn, signOut, setAdminToken],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a SessionProvider');
  return session;
}
