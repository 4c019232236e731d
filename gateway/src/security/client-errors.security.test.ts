import { withoutSuggestions } from './client-errors';

describe('field suggestions (hidden in production mode)', () => {
  it.each([
    [
      'Cannot query field "prodcts" on type "Query". Did you mean "products" or "product"?',
      'Cannot query field "prodcts" on type "Query".',
    ],
    [
      'Value "PAYD" does not exist in "OrderStatus" enum. Did you mean the enum value "PAID"?',
      'Value "PAYD" does not exist in "OrderStatus" enum.',
    ],
    ['Unknown argument "frist" on field "Query.products". Did you mean "first"?', 'Unknown argument "frist" on field "Query.products".'],
    ['Cannot query field "x" on type "Query".', 'Cannot query field "x" on type "Query".'],
  ])('%s', (message, told) => {
    expect(withoutSuggestions(message)).toBe(told);
  });
});
