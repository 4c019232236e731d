import { formatAmount, formatMinor, isCurrencyCode, minorUnitsOf, toMinor } from './money';

describe('money', () => {
  it('knows minor units per currency', () => {
    expect(minorUnitsOf('GBP')).toBe(2);
    expect(minorUnitsOf('JPY')).toBe(0);
    expect(minorUnitsOf('KWD')).toBe(3);
  });

  it('parses exact amounts into minor units', () => {
    expect(toMinor('79.99', 'GBP')).toBe(7999n);
    expect(toMinor('80', 'GBP')).toBe(8000n);
    expect(toMinor('80.5', 'GBP')).toBe(8050n);
    expect(toMinor('12.5000', 'GBP')).toBe(1250n);
    expect(toMinor('1000', 'JPY')).toBe(1000n);
  });

  it.each(['-1.00', '1e3', '12.345', 'abc', '', '1.2.3', ' 1.00'])('refuses %j', (amount) => {
    expect(() => toMinor(amount, 'GBP')).toThrow(RangeError);
  });

  it('formats with the minor units, always', () => {
    expect(formatMinor(8000n, 'GBP')).toBe('80.00');
    expect(formatMinor(5n, 'GBP')).toBe('0.05');
    expect(formatMinor(1000n, 'JPY')).toBe('1000');
    expect(formatAmount('80', 'GBP')).toBe('80.00');
    expect(formatAmount('0.1', 'USD')).toBe('0.10');
  });

  it('adds without floating point error', () => {
    expect(formatMinor(toMinor('0.10', 'GBP') + toMinor('0.20', 'GBP'), 'GBP')).toBe('0.30');
  });

  it('recognises currency codes', () => {
    expect(isCurrencyCode('GBP')).toBe(true);
    expect(isCurrencyCode('gbp')).toBe(false);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('POUNDS')).toBe(false);
  });
});
