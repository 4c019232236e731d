import type { PaymentSettings } from './settings';

/** What the provider says to a charge: at once, later (`dueAt`), or never (`dueAt` null). */
export type ChargeOutcome = { status: 'SUCCEEDED' } | { status: 'FAILED'; reason: string } | { status: 'PENDING'; dueAt: Date | null };

const KNOWN_TOKENS = ['tok_visa', 'tok_declined', 'tok_slow', 'tok_timeout'];

/** The simulated payment provider: the payment token alone decides what happens. */
export function simulateCharge(token: string, settings: PaymentSettings, now: Date): ChargeOutcome {
  switch (token) {
    case 'tok_visa':
      return { status: 'SUCCEEDED' };
    case 'tok_declined':
      return { status: 'FAILED', reason: 'card declined by the issuer' };
    case 'tok_slow':
      return { status: 'PENDING', dueAt: new Date(now.getTime() + settings.slowPaymentMs) };
    case 'tok_timeout':
      return { status: 'PENDING', dueAt: null };
    default:
      return {
        status: 'FAILED',
        reason: `card declined: the payment token "${token}" is unknown (the simulated provider takes ${KNOWN_TOKENS.join(', ')})`,
      };
  }
}
