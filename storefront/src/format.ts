import type { Money } from './api/operations';

const SYMBOLS: Record<string, string> = { GBP: '£', EUR: '€', USD: '$' };

/** "£89.99": the amount exactly as the API sent it (decimal strings are never turned into floats). */
export function money({ amount, currency }: Money): string {
  const symbol = SYMBOLS[currency];
  return symbol ? `${amount.startsWith('-') ? '-' : ''}${symbol}${amount.replace(/^-/, '')}` : `${amount} ${currency}`;
}

export function time(iso: string): string {
  const at = new Date(iso);
  return `${at.toLocaleTimeString('en-GB', { hour12: false })}.${String(at.getMilliseconds()).padStart(3, '0')}`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export const shortId = (id: string): string => id.slice(0, 8);
