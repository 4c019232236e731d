import type { ReactNode } from 'react';
import type { StockLevel } from '../api/operations';
import type { Liveness } from '../live';

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'error' | 'success'; children: ReactNode }) {
  return <div className={`notice ${kind}`}>{children}</div>;
}

export function StockBadge({ stock }: { stock: StockLevel | null }) {
  if (!stock) return <span className="badge">stock unknown</span>;
  if (stock.available === 0) return <span className="badge bad">Out of stock</span>;
  if (stock.available <= stock.lowStockThreshold) return <span className="badge warn">Only {stock.available} left</span>;
  return <span className="badge good">{stock.available} in stock</span>;
}

export function LiveBadge({ liveness }: { liveness: Liveness }) {
  return liveness === 'live' ? (
    <span className="live" title="Updates arrive over the productChanged subscription">
      <span className="live-dot" /> live
    </span>
  ) : (
    <span className="live off" title="The live subscription is unavailable: refreshing every few seconds">
      refreshing every 5 s
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status.replace(/_/g, ' ')}</span>;
}

export function SignInFirst({ what }: { what: string }) {
  return <Notice>Sign in as a demo customer (top right) to see {what}.</Notice>;
}
