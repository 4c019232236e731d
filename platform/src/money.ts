/**
 * Exact money: amounts travel and are stored as decimal strings and are computed as integers of
 * the currency's minor unit (pence), never as floats.
 */
export function minorUnitsOf(currency: string): number {
  let digits = minorUnitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorUnitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** Building an Intl.NumberFormat costs tens of microseconds, and every amount read or written asks; only valid codes get here. */
const minorUnitsByCurrency = new Map<string, number>();

const DECIMAL = /^(\d{1,12})(?:\.(\d+))?$/;

/** "12.5" -> 1250n for GBP. Throws on a negative, malformed or over-precise amount. */
export function toMinor(amount: string, currency: string): bigint {
  const match = DECIMAL.exec(amount);
  if (!match) throw new RangeError(`"${amount}" is not a non-negative decimal amount`);
  const digits = minorUnitsOf(currency);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) throw new RangeError(`"${amount}" has more decimals than ${currency} allows (${digits})`);
  return BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
}

/** 1250n -> "12.50" for GBP: always with the currency's minor units. */
export function formatMinor(minor: bigint, currency: string): string {
  const digits = minorUnitsOf(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
}

/** Normalises a stored or given amount to the currency's minor units ("80" -> "80.00"). */
export function formatAmount(amount: string, currency: string): string {
  return formatMinor(toMinor(amount, currency), currency);
}

export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code });
    return Intl.supportedValuesOf('currency').includes(code);
  } catch {
    return false;
  }
}
