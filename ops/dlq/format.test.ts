import type { DeadLetterSummary } from './commands';
import { formatResult } from './format';

const letter = (id: string, reason: string): DeadLetterSummary => ({
  id,
  eventId: '6f1c3f5e-8a57-4c1e-9d0a-2b7f4f1e9a10',
  eventType: 'ProductPriceChanged',
  service: 'cart',
  originQueue: 'cart-service-queue',
  reason,
  attempts: 6,
  deadLetteredAt: '2026-11-20T10:01:00.000Z',
  movedAt: '2026-11-20T11:00:00.000Z',
  resolution: null,
  resolvedAt: null,
});

describe('formatResult', () => {
  it('lists dead letters as an aligned table, reasons cut to one short line', () => {
    const text = formatResult({
      command: 'list',
      moved: 2,
      skipped: ['email'],
      deadLetters: [letter('cart-9', 'boom'), letter('cart-10', `gave up after 6 attempts:\n${'x'.repeat(100)}`)],
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Moved 2 dead letters from the queues into the store.');
    expect(lines[1]).toMatch(/^ID {7}EVENT ID {30}TYPE {17}ATTEMPTS {2}DEAD-LETTERED {13}STATUS {6}REASON$/);
    expect(lines[2]).toMatch(
      /^cart-9 {3}6f1c3f5e-8a57-4c1e-9d0a-2b7f4f1e9a10  ProductPriceChanged  6 {9}2026-11-20T10:01:00.000Z  unresolved  boom$/,
    );
    expect(lines[3]).toMatch(/ gave up after 6 attempts: x+…$/);
    expect(lines[3].split('  ').pop()).toHaveLength(60);
    expect(lines[4]).toBe('(no dead-letter queue and no store yet: email)');
  });

  it('says so when there is nothing', () => {
    expect(formatResult({ command: 'list', moved: 0, skipped: [], deadLetters: [] })).toBe('No dead letters.');
    expect(formatResult({ command: 'purge', moved: 0, skipped: [], purged: [] })).toBe('Nothing to purge.');
  });
});
