import { EntityId, IdempotencyKey, MAX_PAGE_SIZE, PriceRange, SearchText, cursorOf, pageArgs, validArg } from './input';

// The argument shapes the subgraphs check before any work: what passes, and what is BAD_USER_INPUT naming the argument.

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    const error = err as { message: string; extensions: { code: string; argumentName?: string } };
    return { code: error.extensions.code, argument: error.extensions.argumentName, message: error.message };
  }
  throw new Error('expected a refusal');
};

describe('argument shapes', () => {
  it.each(['0.01', '79.99', '1000000', '1000000.00'])('takes the price %s', (price) => {
    expect(validArg(PriceRange, price, 'price')).toBe(price);
  });

  it.each([
    ['0', 'must be more than zero'],
    ['0.00', 'must be more than zero'],
    ['1000000.01', 'must be at most 1000000'],
    ['999999999999999', 'must be at most 1000000'],
  ])('refuses the price %s', (price, message) => {
    expect(refusal(() => validArg(PriceRange, price, 'price'))).toEqual({
      code: 'BAD_USER_INPUT',
      argument: 'price',
      message: `price: ${message}`,
    });
  });

  it('leaves a malformed amount to the money check, which names what is wrong with it', () => {
    expect(validArg(PriceRange, '-1', 'price')).toBe('-1');
  });

  it.each(['k', 'click-1', '0b0e4a62-8a7c-4a5b-9d0e-1f2a3b4c5d6e', 'a.b_c:d~e'])('takes the idempotency key %s', (key) => {
    expect(validArg(IdempotencyKey, key, 'input.idempotencyKey')).toBe(key);
  });

  it.each(['', 'x'.repeat(101), 'with space', 'line\nbreak', 'ключ', "quote'"])('refuses the idempotency key %j', (key) => {
    expect(refusal(() => validArg(IdempotencyKey, key, 'input.idempotencyKey'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.idempotencyKey',
    });
  });

  it('takes only uuids as ids, and bounded search texts', () => {
    expect(refusal(() => validArg(EntityId, '42', 'id'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'id: must be an id this API gave (a UUID)',
    });
    expect(refusal(() => validArg(SearchText, 'x'.repeat(101), 'search'))).toMatchObject({
      message: 'search: must be at most 100 characters',
    });
    expect(validArg(SearchText, 'x'.repeat(100), 'search')).toHaveLength(100);
  });

  it('bounds pages and takes only cursors the API gave', () => {
    expect(pageArgs(undefined, undefined)).toEqual({ first: 50, after: null });
    expect(pageArgs(MAX_PAGE_SIZE, cursorOf('SKU-1'))).toEqual({ first: MAX_PAGE_SIZE, after: 'SKU-1' });
    for (const first of [0, -1, MAX_PAGE_SIZE + 1, 1.5]) expect(refusal(() => pageArgs(first, null))).toMatchObject({ argument: 'first' });
    for (const after of ['', 'not a cursor', '%%%']) expect(refusal(() => pageArgs(10, after))).toMatchObject({ argument: 'after' });
  });
});
