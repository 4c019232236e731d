import DataLoader from 'dataloader';

const perRequest = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

/**
 * A DataLoader that lives as long as one request's context: `_entities` with fifty references,
 * or fifty lines asking for the same kind of row, become one query.
 */
export function loaderFor<K, V>(context: object, name: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  let loaders = perRequest.get(context);
  if (!loaders) {
    loaders = new Map();
    perRequest.set(context, loaders);
  }
  let loader = loaders.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(batch);
    loaders.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}
