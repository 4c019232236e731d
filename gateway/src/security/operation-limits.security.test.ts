import { composeServices } from '@apollo/composition';
import { loadConfig } from '@shop/platform';
import { GraphQLError, type GraphQLSchema, buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { QUERIES } from '../../../ops/bench/gateway/workload';
import * as storefront from '../../../storefront/src/api/operations';
import { loadGatewaySettings } from '../settings';
import { subgraphsOnDisk } from '../supergraph';
import { OperationLimitError, operationLimitRules, parseWithinLimits } from './operation-limits';

// The operation limits as validation rules: each refuses an operation past it with OPERATION_LIMIT,
// and the defaults admit every operation the system itself sends.

const DEFAULTS = loadGatewaySettings({}).limits;

/** The API schema clients see: every subgraph on disk, composed. */
function clientSchema(): GraphQLSchema {
  const services = subgraphsOnDisk(loadConfig('gateway', {}).serviceUrls).map(({ name, url, sdl }) => ({
    name,
    url,
    typeDefs: parse(sdl),
  }));
  const composition = composeServices(services);
  if (composition.errors) throw new Error(composition.errors.map((error) => error.message).join('\n'));
  return composition.schema.toAPISchema().toGraphQLJSSchema();
}

const errorsOf = (schema: GraphQLSchema, query: string, limits = DEFAULTS) =>
  validate(schema, parseWithinLimits(query, limits.maxTokens), [...specifiedRules, ...operationLimitRules(limits)]);

describe('operation limits', () => {
  describe('with the default limits, admit what the system sends', () => {
    const schema = clientSchema();
    const money = '{ amount currency }';
    const product = `{ sku name price ${money} stock { available reserved } }`;
    const lines = `lines { sku quantity unitPrice ${money} product ${product} }`;
    const order = `{ id status total ${money} ${lines} payment { ref status amount ${money} } createdAt }`;

    it.each([
      ...Object.entries(QUERIES).map(([name, query]) => [`the gateway benchmark's ${name} query`, JSON.parse(query.body).query as string]),
      ...Object.entries(storefront as Record<string, unknown>).flatMap(([name, query]) =>
        typeof query === 'string' ? [[`the storefront's ${name}`, query]] : [],
      ),
      ['a full page of products with stock', `{ products(first: 100) { items ${product} nextCursor } }`],
      ['a full page of orders with their lines, products and payment', `{ myOrders(first: 100) { items ${order} nextCursor } }`],
      [
        'a full page of checkouts with their lines, order and history',
        `{ myCheckouts(first: 100) { items { id status total ${money} ${lines} order { id status } history { status at sequence } } } }`,
      ],
      ['a cart page', `{ myCart { customerId total ${money} ${lines} updatedAt } products(first: 20) { items ${product} } }`],
      ['a checkout watch', `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status failureReason order ${order} } }`],
      ['the introspection query of GraphiQL', getIntrospectionQuery()],
    ])('%s', (_, query) => {
      expect(errorsOf(schema, query).filter((error) => error instanceof OperationLimitError)).toEqual([]);
    });
  });

  describe('refuse past each limit, with OPERATION_LIMIT', () => {
    const schema = buildSchema(`
      type Query { node(id: ID): Node  nodes(first: Int): [Node!]!  a: Int  b: Int  c: Int }
      type Node { id: ID!  child: Node  value: Int }
    `);
    const limits = { maxDepth: 3, maxAliases: 2, maxDirectives: 2, maxTokens: 40, maxCost: 100, maxRootFields: 3 };

    it.each([
      ['depth', '{ node { child { child { id } } } }', 'Query depth limit of 3 exceeded, found 4.'],
      [
        'depth through a fragment',
        '{ node { ...deep } } fragment deep on Node { child { child { id } } }',
        'Query depth limit of 3 exceeded, found 4.',
      ],
      ['aliases', '{ x: a y: b z: c }', 'Aliases limit of 2 exceeded, found 3.'],
      ['directives', '{ a @skip(if: false) b @skip(if: false) c @include(if: true) }', 'Directives limit of 2 exceeded, found 3.'],
      ['cost', '{ nodes(first: 50) { id value } }', 'Query Cost limit of 100 exceeded, found 250.'],
      ['root fields', '{ a b c node { id } }', 'Root field limit of 3 exceeded, found 4.'],
      ['root fields through fragments', '{ ...ab c node { id } } fragment ab on Query { a b }', 'Root field limit of 3 exceeded, found 4.'],
    ])('%s', (_, query, message) => {
      const errors = errorsOf(schema, query, limits);
      expect(errors.map((error) => error.message)).toEqual([message]);
      expect(errors[0]).toBeInstanceOf(OperationLimitError);
      expect(errors[0].extensions.code).toBe('OPERATION_LIMIT');
    });

    it('and admit an operation exactly at each limit', () => {
      expect(errorsOf(schema, '{ node { child { id } } x: a y: b }', limits)).toEqual([]);
      expect(errorsOf(schema, '{ a @skip(if: false) b @include(if: true) }', limits)).toEqual([]);
    });

    it('count __typename as no root field, and a fragment spread twice once', () => {
      expect(errorsOf(schema, '{ __typename a b c }', limits)).toEqual([]);
      expect(errorsOf(schema, '{ ...abc ...abc } fragment abc on Query { a b c }', limits)).toEqual([]);
    });

    it('tokens, while parsing', () => {
      const query = `{ ${Array.from({ length: 40 }, () => 'a').join(' ')} }`;
      expect(() => parseWithinLimits(query, 40)).toThrow(new OperationLimitError('Token limit of 40 exceeded.'));
      expect(() => parseWithinLimits(query, 42)).not.toThrow();
    });
  });

  it('leave other syntax errors as they are', () => {
    let thrown: unknown;
    try {
      parseWithinLimits('{ a', 100);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect(thrown).not.toBeInstanceOf(OperationLimitError);
    expect((thrown as GraphQLError).message).toMatch(/^Syntax Error: Expected Name/);
  });
});
