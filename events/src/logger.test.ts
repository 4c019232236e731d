import { acceptedCorrelationId } from './logger';

describe('a correlation id sent by a caller', () => {
  it('is kept when it is fit to log and to carry in messages', () => {
    expect(acceptedCorrelationId('req-42')).toBe('req-42');
    expect(acceptedCorrelationId('6f1c2a9e-2d4b-4c1e-9a51-3f0d7e2b8c11')).toBe('6f1c2a9e-2d4b-4c1e-9a51-3f0d7e2b8c11');
  });

  it('is refused when missing, repeated, too long, or carrying characters a log line should not', () => {
    expect(acceptedCorrelationId(undefined)).toBeUndefined();
    expect(acceptedCorrelationId(['a', 'b'])).toBeUndefined();
    expect(acceptedCorrelationId('x'.repeat(101))).toBeUndefined();
    expect(acceptedCorrelationId('two words')).toBeUndefined();
    expect(acceptedCorrelationId('line\nbreak')).toBeUndefined();
    expect(acceptedCorrelationId('')).toBeUndefined();
  });
});
