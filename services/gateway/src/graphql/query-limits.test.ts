import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, GraphQLError, parse } from 'graphql';
import { enforceQueryLimits, measureDocument, queryLimitsCheck } from './query-limits';

const schema = buildSchema(`
  type Query {
    book(id: ID!): Book
    books(first: Int = 20, after: String): BookConnection
    levels(limit: Int): [Level]
  }
  type BookConnection { edges: [BookEdge] }
  type BookEdge { node: Book }
  type Book { id: ID, bids: [Level], owner: Book }
  type Level { price: String, size: String }
`);

const measure = (doc: string, variables?: Record<string, unknown>) =>
  measureDocument(schema, parse(doc), variables);

test('depth counts nested selections, through fragments, and the deepest operation wins', () => {
  assert.equal(measure('{ book(id: "a") { id } }').depth, 2);
  assert.equal(measure('{ book(id: "a") { owner { owner { id } } } }').depth, 4);
  assert.equal(
    measure('query A { book(id: "a") { ...F } } fragment F on Book { owner { bids { price } } }').depth,
    4,
  );
  assert.equal(
    measure('query A { book(id: "a") { id } } query B { book(id: "b") { owner { id } } }').depth,
    3,
  );
});

test('cost is one per field, multiplied below a page-size argument, its default when not given', () => {
  // book: 1, id: 1
  assert.equal(measure('{ book(id: "a") { id } }').complexity, 2);
  // books: 1 + 10 x (edges 1 + node 1 + id 1)
  assert.equal(measure('{ books(first: 10) { edges { node { id } } } }').complexity, 31);
  // the schema default of first is 20: 1 + 20 x 3
  assert.equal(measure('{ books { edges { node { id } } } }').complexity, 61);
  // a variable counts with its value, or its declared default
  assert.equal(
    measure('query($n: Int) { books(first: $n) { edges { node { id } } } }', { n: 100 }).complexity,
    301,
  );
  assert.equal(measure('query($n: Int = 5) { books(first: $n) { edges { node { id } } } }').complexity, 16);
  // nested multiplication: 1 + 10 x (edges 1 + node 1 + (levels... not a field of Book) bids 1 + price 1)
  assert.equal(measure('{ books(first: 10) { edges { node { bids { price } } } } }').complexity, 41);
});

test('introspection fields cost nothing and a fragment cycle does not loop', () => {
  assert.deepEqual(measure('{ __schema { types { fields { type { ofType { name } } } } } }'), {
    depth: 1,
    complexity: 0,
  });
  const cyclic = measure(
    '{ book(id: "a") { ...A } } fragment A on Book { owner { ...B } } fragment B on Book { ...A }',
  );
  assert.equal(cyclic.depth, 3);
});

test('over the limits: QUERY_TOO_DEEP and QUERY_TOO_COMPLEX name the limit and the value', () => {
  const limits = { maxDepth: 3, maxComplexity: 50 };
  assert.doesNotThrow(() => enforceQueryLimits({ depth: 3, complexity: 50 }, limits));
  assert.throws(
    () => enforceQueryLimits({ depth: 4, complexity: 1 }, limits),
    (err: unknown) =>
      err instanceof GraphQLError &&
      err.extensions.code === 'QUERY_TOO_DEEP' &&
      err.extensions.limit === 3 &&
      err.extensions.value === 4 &&
      /4 levels deep; the limit is 3/.test(err.message),
  );
  assert.throws(
    () => enforceQueryLimits({ depth: 1, complexity: 61 }, limits),
    (err: unknown) =>
      err instanceof GraphQLError &&
      err.extensions.code === 'QUERY_TOO_COMPLEX' &&
      err.extensions.limit === 50 &&
      err.extensions.value === 61,
  );
});

test('the per-request check remembers a verdict per document, but not one that depends on variables', () => {
  const check = queryLimitsCheck({ maxDepth: 10, maxComplexity: 60 });
  const tooComplex = (err: unknown) =>
    err instanceof GraphQLError && err.extensions.code === 'QUERY_TOO_COMPLEX';
  // The same parsed document, as mercurius hands it to every request with the same text.
  const fixed = parse('{ books(first: 10) { edges { node { id } } } }');
  for (let i = 0; i < 3; i++) assert.doesNotThrow(() => check(schema, fixed));
  const tooBig = parse('{ books(first: 100) { edges { node { id } } } }');
  for (let i = 0; i < 3; i++) assert.throws(() => check(schema, tooBig), tooComplex);
  // A page size from a variable: each request's own value counts, whatever came before.
  const paged = parse('query($n: Int) { books(first: $n) { edges { node { id } } } }');
  assert.doesNotThrow(() => check(schema, paged, { n: 10 }));
  assert.throws(() => check(schema, paged, { n: 100 }), tooComplex);
  assert.doesNotThrow(() => check(schema, paged, { n: 10 }));
  // The same document against another schema is measured for that schema: 21 here, 1001 there.
  const deeper = buildSchema(
    'type Query { books(first: Int = 1000): BookConnection } type BookConnection { edges: [Int] }',
  );
  const defaulted = parse('{ books { edges } }');
  assert.doesNotThrow(() => check(schema, defaulted));
  assert.throws(() => check(deeper, defaulted), tooComplex);
});
