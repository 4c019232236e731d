import { useEffect, useRef, useState } from 'react';
import { subscribe } from './api/graphql';
import { PRODUCT_CHANGED, type Product } from './api/operations';

export type Liveness = 'live' | 'polling';

const POLL_MS = 5_000;

/**
 * Calls `onChange` with each product named in `skus` as it changes (price, active flag, stock),
 * through the public productChanged subscription. If the gateway refuses the subscription, it
 * falls back to calling `poll` every few seconds, and says so.
 */
export function useProductChanges(skus: string[], onChange: (product: Product) => void, poll: () => void): Liveness {
  const [liveness, setLiveness] = useState<Liveness>('live');
  const handlers = useRef({ onChange, poll });
  handlers.current = { onChange, poll };
  const key = [...new Set(skus)].sort().join(',');

  useEffect(() => {
    if (key === '') return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const unsubscribe = subscribe<{ productChanged: Product }>(PRODUCT_CHANGED, { skus: key.split(',') }, null, {
      next: ({ productChanged }) => {
        setLiveness('live');
        handlers.current.onChange(productChanged);
      },
      error: () => {
        setLiveness('polling');
        timer ??= setInterval(() => handlers.current.poll(), POLL_MS);
      },
    });
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }, [key]);
  return liveness;
}
