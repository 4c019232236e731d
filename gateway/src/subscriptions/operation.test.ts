import { GraphQLError, buildSchema, parse, validate } from 'graphql';
import { SubscriptionOperation, errorsOf } from './operation';

const schema = buildSchema(`
  enum CheckoutStatus { RESERVING_STOCK PROCESSING_PAYMENT CREATING_ORDER COMPLETED FAILED }
  type Money { amount: String! currency: String! }
  type Order { id: ID! status: String! total: Money! }
  type CheckoutTransition { status: CheckoutStatus! at: String! sequence: Int! }
  type Checkout {
    id: ID! customerId: ID! status: CheckoutStatus! failureReason: String updatedAt: String!
    total: Money! order: Order history: [CheckoutTransition!]!
  }
  type Query { checkout(id: ID!): Checkout  order(id: ID!): Order }
  type Subscription { checkoutStatusChanged(checkoutId: ID!): Checkout!  orderStatusChanged(orderId: ID): Order! }
`);

const EVENT_FIELDS = new Set(['id', 'customerId', 'status', 'failureReason', 'updatedAt']);

function operationOf(query: string, variables: Record<string, unknown> = {}, operationName?: string): SubscriptionOperation {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const operation = SubscriptionOperation.of(schema, document, operationName, variables);
  if (!(operation instanceof SubscriptionOperation)) throw new Error(operation.map((e) => e.message).join('; '));
  return operation;
}

const refusal = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  SubscriptionOperation.of(schema, parse(query), operationName, variables) as readonly GraphQLError[];

describe('SubscriptionOperation', () => {
  it('finds the root field, its response key and its arguments, from literals or variables', () => {
    const literal = operationOf('subscription { watch: checkoutStatusChanged(checkoutId: "c-1") { status } }');
    expect([literal.fieldName, literal.responseKey, literal.args]).toEqual(['checkoutStatusChanged', 'watch', { checkoutId: 'c-1' }]);
    const variable = operationOf(
      'subscription S($id: ID!) { ...Root } fragment Root on Subscription { checkoutStatusChanged(checkoutId: $id) { status } }',
      {
        id: 'c-2',
      },
    );
    expect([variable.responseKey, variable.args]).toEqual(['checkoutStatusChanged', { checkoutId: 'c-2' }]);
    expect(operationOf('subscription { orderStatusChanged { id } }').args).toEqual({});
  });

  it('refuses what it cannot serve over WebSocket', () => {
    expect(refusal('{ checkout(id: "c") { id } }')[0].message).toMatch(/only subscriptions are served over WebSocket/);
    expect(refusal('subscription A { orderStatusChanged { id } } subscription B { orderStatusChanged { id } }')[0].message).toBe(
      'name the operation to run',
    );
    expect(refusal('subscription A { orderStatusChanged { id } }', {}, 'B')[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refusal('subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id } }')[0].message).toMatch(/\$id/);
  });

  it('tells whether the selection asks only for fields an event carries', () => {
    const onlyEvent = operationOf(`
      subscription { checkoutStatusChanged(checkoutId: "c") { __typename id s: status ... on Checkout { updatedAt } ...Why } }
      fragment Why on Checkout { failureReason customerId }`);
    expect(onlyEvent.selectsOnly(EVENT_FIELDS)).toBe(true);
    expect(operationOf('subscription { checkoutStatusChanged(checkoutId: "c") { status order { id } } }').selectsOnly(EVENT_FIELDS)).toBe(
      false,
    );
    expect(
      operationOf('subscription { checkoutStatusChanged(checkoutId: "c") { ... on Checkout { total { amount } } } }').selectsOnly(
        EVENT_FIELDS,
      ),
    ).toBe(false);
  });

  it('reads the same selection through a query field, with the variables and fragments it uses', () => {
    const operation = operationOf(
      `subscription Watch($checkoutId: ID!, $withOrder: Boolean = true, $id: Boolean!) {
         mine: checkoutStatusChanged(checkoutId: $checkoutId) { status order @include(if: $withOrder) { ...OrderParts } history @skip(if: $id) { at } }
       }
       fragment OrderParts on Order { id ...Money }
       fragment Money on Order { total { amount } }
       fragment OtherParts on Checkout { id }
       subscription Other { checkoutStatusChanged(checkoutId: "x") { ...OtherParts } }`,
      { checkoutId: 'c-9', withOrder: false, id: true },
      'Watch',
    );
    const read = operation.readQuery('checkout', 'SubscriptionCheckoutState');
    const document = parse(read.query);
    expect(validate(schema, document)).toEqual([]);
    expect(read.query).toContain('query SubscriptionCheckoutState($withOrder: Boolean = true, $id: Boolean!, $id_: ID!)');
    expect(read.query).toContain('mine: checkout(id: $id_)');
    expect(read.query).toContain('fragment OrderParts on Order');
    expect(read.query).toContain('fragment Money on Order');
    expect(read.query).not.toContain('OtherParts');
    expect(read.variables('c-9')).toEqual({ withOrder: false, id: true, id_: 'c-9' });
  });

  it('shapes a message as the client selected it, with the fields of the event winning at the top', () => {
    const operation = operationOf(`
      subscription { mine: checkoutStatusChanged(checkoutId: "c") { __typename s: status ...Parts total { amount } history { status } } }
      fragment Parts on Checkout { failureReason o: order { id } }`);
    const base = {
      s: 'CREATING_ORDER',
      failureReason: null,
      o: { id: 'o-1' },
      total: { amount: '9.00' },
      history: [{ status: 'RESERVING_STOCK' }],
    };
    expect(operation.message(base, { status: 'COMPLETED', failureReason: null, updatedAt: 'later' })).toEqual({
      data: {
        mine: {
          __typename: 'Checkout',
          s: 'COMPLETED',
          failureReason: null,
          o: { id: 'o-1' },
          total: { amount: '9.00' },
          history: [{ status: 'RESERVING_STOCK' }],
        },
      },
    });
  });

  it('shapes a message from the event alone, and carries the errors of a read', () => {
    const operation = operationOf('subscription { checkoutStatusChanged(checkoutId: "c") { id status when: updatedAt } }');
    expect(operation.message({}, { id: 'c', customerId: 'u', status: 'FAILED', failureReason: 'declined', updatedAt: 't' })).toEqual({
      data: { checkoutStatusChanged: { id: 'c', status: 'FAILED', when: 't' } },
    });
    const errors = errorsOf({
      data: null,
      errors: [{ message: 'checkout c not found', path: ['checkout'], extensions: { code: 'NOT_FOUND' } }],
    });
    expect(errors[0]).toBeInstanceOf(GraphQLError);
    expect(errors[0].extensions.code).toBe('NOT_FOUND');
    expect(operation.message(null, { status: 'FAILED' }, errors)).toEqual({ data: null, errors });
  });
});
