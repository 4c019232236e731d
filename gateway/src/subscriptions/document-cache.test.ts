import { type DocumentNode, type GraphQLError, type GraphQLSchema, buildSchema, parse, validate } from 'graphql';
import { DocumentCache, isRefusal } from './document-cache';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { ticks(id: ID!): Int }');
const A = 'subscription { ticks(id: "a") }';
const B = 'subscription { ticks(id: "b") }';
const C = 'subscription { ticks(id: "c") }';

/** A cache over graphql-js's parse and validate, counting how often it prepared each text. */
function countingCache(maxDocuments: number) {
  const prepared: string[] = [];
  const cache = new DocumentCache((against: GraphQLSchema, text: string): DocumentNode | readonly GraphQLError[] => {
    prepared.push(text);
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (err) {
      return [err as GraphQLError];
    }
    const invalid = validate(against, document);
    return invalid.length > 0 ? invalid : document;
  }, maxDocuments);
  return { cache, prepared };
}

describe('DocumentCache', () => {
  it('parses and validates a text once, and gives every later subscriber the same document', () => {
    const { cache, prepared } = countingCache(10);
    const first = cache.get(schema, A);
    expect(isRefusal(first)).toBe(false);
    expect(cache.get(schema, A)).toBe(first);
    expect(prepared).toEqual([A]);
  });

  it('gives the reasons a text is refused, and keeps nothing of it', () => {
    const { cache, prepared } = countingCache(10);
    const unparsable = cache.get(schema, 'subscription {');
    const invalid = cache.get(schema, 'subscription { nope }');
    expect(isRefusal(unparsable) && unparsable[0].message).toMatch(/^Syntax Error/);
    expect(isRefusal(invalid) && invalid[0].message).toBe('Cannot query field "nope" on type "Subscription".');
    cache.get(schema, 'subscription { nope }');
    expect(prepared).toHaveLength(3);
    expect(cache.size).toBe(0);
  });

  it('holds at most maxDocuments, letting the least recently used go first', () => {
    const { cache, prepared } = countingCache(2);
    cache.get(schema, A);
    cache.get(schema, B);
    cache.get(schema, A);
    cache.get(schema, C);
    expect(cache.size).toBe(2);
    prepared.length = 0;
    cache.get(schema, A);
    cache.get(schema, C);
    expect(prepared).toEqual([]);
    cache.get(schema, B);
    expect(prepared).toEqual([B]);
  });

  it('validates again against a new schema', () => {
    const { cache, prepared } = countingCache(10);
    const before = cache.get(schema, A);
    const reloaded = buildSchema('type Query { ok: Boolean } type Subscription { renamed: Int }');
    const after = cache.get(reloaded, A);
    expect(prepared).toEqual([A, A]);
    expect(isRefusal(before)).toBe(false);
    expect(isRefusal(after) && after[0].message).toBe('Cannot query field "ticks" on type "Subscription".');
  });
});
