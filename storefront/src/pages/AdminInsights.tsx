import { useCallback, useEffect, useState } from 'react';
import { request } from '../api/graphql';
import { dateTime, money } from '../format';
import { Notice, StatusBadge } from './common';

// Sales analytics and the emails sent: read models the analytics and email services build from the
// events the others publish, so they lag a change by a moment; both panels refresh on their own.

const REFRESH_MS = 10_000;

interface Analytics {
  salesByDay: { day: string; currency: string; orders: number; amount: string }[];
  salesBySku: { sku: string; currency: string; units: number; orders: number; amount: string }[];
  conversion: { checkoutsStarted: number; checkoutsCompleted: number; rate: number; cartsExpired: number };
  refunds: { currency: string; requestedBy: 'ADMIN' | 'SAGA'; refunds: number; amount: string }[];
  lowStockAlerts: { sku: string; currentQuantity: number; threshold: number; at: string }[];
}

const ANALYTICS = `query Analytics {
  salesByDay { day currency orders amount }
  salesBySku(first: 6) { sku currency units orders amount }
  conversion { checkoutsStarted checkoutsCompleted rate cartsExpired }
  refunds { currency requestedBy refunds amount }
  lowStockAlerts(first: 5) { sku currentQuantity threshold at }
}`;

interface SentEmail {
  id: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  status: string;
  sender: string | null;
  failureReason: string | null;
  createdAt: string;
}

const SENT_EMAILS = `query SentEmails { sentEmails(first: 20) { items { id kind to subject text status sender failureReason createdAt } } }`;

/** Loads `query` as the admin now and every few seconds; the error says what the gateway answered. */
function usePolled<T>(query: string, token: string): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setData(await request<T>(query, {}, token));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [query, token]);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  return { data, error };
}

export function AnalyticsPanel({ token }: { token: string }) {
  const { data, error } = usePolled<Analytics>(ANALYTICS, token);
  const days = data?.salesByDay.slice(-7) ?? [];
  const largest = Math.max(1, ...days.map((d) => Number(d.amount)));
  return (
    <div className="card panel" data-testid="analytics">
      <h2>Sales</h2>
      {error && <Notice kind="error">Analytics unavailable: {error}</Notice>}
      {data && (
        <>
          <div className="stats">
            <Stat label="Checkouts started" value={String(data.conversion.checkoutsStarted)} />
            <Stat label="Completed" value={`${data.conversion.checkoutsCompleted} · ${Math.round(data.conversion.rate * 100)}%`} />
            <Stat label="Carts abandoned" value={String(data.conversion.cartsExpired)} />
          </div>
          <h3 className="muted small">Per day</h3>
          {days.length === 0 && <p className="muted small">No sales yet.</p>}
          <div className="bars">
            {days.map((d) => (
              <div className="bar-row" key={`${d.day}-${d.currency}`}>
                <span>{d.day}</span>
                <span className="bar" style={{ width: `${(Number(d.amount) / largest) * 100}%` }} />
                <span className="num">{money({ amount: d.amount, currency: d.currency })}</span>
              </div>
            ))}
          </div>
          <h3 className="muted small">Best sellers</h3>
          <table className="table">
            <tbody>
              {data.salesBySku.map((s) => (
                <tr key={`${s.sku}-${s.currency}`}>
                  <td>
                    <code>{s.sku}</code>
                  </td>
                  <td className="num">{s.units} sold</td>
                  <td className="num">{money({ amount: s.amount, currency: s.currency })}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.refunds.length > 0 && (
            <p className="small">
              Refunds:{' '}
              {data.refunds
                .map(
                  (r) =>
                    `${r.refunds} by ${r.requestedBy === 'ADMIN' ? 'an admin' : 'the saga'} (${money({ amount: r.amount, currency: r.currency })})`,
                )
                .join(', ')}
            </p>
          )}
          {data.lowStockAlerts.length > 0 && (
            <p className="small">
              Low stock: {data.lowStockAlerts.map((a) => `${a.sku} (${a.currentQuantity} left, threshold ${a.threshold})`).join(', ')}
            </p>
          )}
        </>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="muted small">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  );
}

export function EmailsPanel({ token }: { token: string }) {
  const { data, error } = usePolled<{ sentEmails: { items: SentEmail[] } }>(SENT_EMAILS, token);
  const emails = data?.sentEmails.items ?? [];
  return (
    <div className="card panel" data-testid="emails">
      <h2>Emails sent</h2>
      {error && <Notice kind="error">Emails unavailable: {error}</Notice>}
      {data && emails.length === 0 && <p className="muted small">No email yet.</p>}
      {emails.map((email) => (
        <details className="email" key={email.id}>
          <summary>
            <span>
              <strong>{email.subject}</strong>
              <br />
              <span className="muted small">
                to {email.to} · {dateTime(email.createdAt)}
              </span>
            </span>
            <StatusBadge status={email.status} />
          </summary>
          <pre>{email.text}</pre>
          {email.failureReason && <div className="error-text">{email.failureReason}</div>}
          <div className="muted small">
            {email.kind.replace(/_/g, ' ').toLowerCase()} · sent through {email.sender ?? 'nothing yet'}
          </div>
        </details>
      ))}
    </div>
  );
}
