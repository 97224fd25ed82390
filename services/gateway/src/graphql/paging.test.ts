import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, FIRST_PAGE, relayPage } from './paging';

const node = (n: number) => `n${n}`;

test('a first page gives each edge its own cursor and moves to the next token when used up', () => {
  const page = relayPage([1, 2, 3], FIRST_PAGE, 3, 'tok2', node);
  assert.deepEqual(
    page.edges.map((e) => [e.node, decodeCursor(e.cursor)]),
    [
      ['n1', { token: '', skip: 1 }],
      ['n2', { token: '', skip: 2 }],
      ['n3', { token: 'tok2', skip: 0 }],
    ],
  );
  assert.deepEqual(page.pageInfo, { hasNextPage: true, endCursor: page.edges[2]!.cursor });
});

test('continuing after a mid-page edge skips what was seen on that backend page', () => {
  // Fetched with pageSize skip + first = 1 + 2 from token "" (the caller does that).
  const page = relayPage([1, 2, 3], { token: '', skip: 1 }, 2, '', node);
  assert.deepEqual(
    page.edges.map((e) => e.node),
    ['n2', 'n3'],
  );
  assert.deepEqual(page.pageInfo, { hasNextPage: false, endCursor: page.edges[1]!.cursor });
  assert.deepEqual(decodeCursor(page.pageInfo.endCursor), { token: '', skip: 3 });
});

test('a page cut short before the end of the backend page still has a next page', () => {
  const page = relayPage([1, 2, 3, 4], FIRST_PAGE, 2, '', node);
  assert.equal(page.pageInfo.hasNextPage, true);
  assert.deepEqual(decodeCursor(page.pageInfo.endCursor), { token: '', skip: 2 });
});

test('an empty last page has no next page and no end cursor', () => {
  assert.deepEqual(relayPage([], FIRST_PAGE, 10, '', node), {
    edges: [],
    pageInfo: { hasNextPage: false, endCursor: null },
  });
});

test('a cursor that is not ours is BAD_USER_INPUT naming the argument', () => {
  assert.deepEqual(decodeCursor(encodeCursor({ token: 'abc', skip: 7 })), { token: 'abc', skip: 7 });
  assert.deepEqual(decodeCursor(null), FIRST_PAGE);
  for (const bad of [
    '%%%',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["a",-1]').toString('base64url'),
  ]) {
    assert.throws(
      () => decodeCursor(bad),
      (err: unknown) =>
        err instanceof GraphQLError &&
        err.extensions.code === 'BAD_USER_INPUT' &&
        err.extensions.argument === 'after',
    );
  }
});
