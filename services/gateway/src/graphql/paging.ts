import type { Type } from '@nestjs/common';
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { badInput } from './errors';

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

/**
 * Where a Relay page starts: the backend's page token and how many of that page's items were
 * already seen. Backends hand out one token per page; edges need a cursor each, so an edge's
 * cursor is its page token plus its position within that page.
 */
export interface PageCursor {
  readonly token: string;
  readonly skip: number;
}

export const FIRST_PAGE: PageCursor = { token: '', skip: 0 };

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.token, cursor.skip])).toString('base64url');
}

/** The cursor of an `after` argument; BAD_USER_INPUT naming the argument when it is not ours. */
export function decodeCursor(text: string | null | undefined, argument = 'after'): PageCursor {
  if (text === null || text === undefined || text === '') return FIRST_PAGE;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      Number.isSafeInteger(parsed[1]) &&
      (parsed[1] as number) >= 0
    ) {
      return { token: parsed[0], skip: parsed[1] as number };
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(argument, 'is not a cursor of this connection; pass an endCursor or edge cursor');
}

/** Checks a page size argument: an integer in 1..max. */
export function checkPageSize(first: number, max: number, argument = 'first'): void {
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badInput(argument, `must be between 1 and ${max}, got ${first}`);
  }
}

export interface Page<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: PageInfo;
}

/**
 * Builds a Relay page from one backend page fetched with `{ pageToken: from.token, pageSize:
 * from.skip + first }`: skips what the client already saw, gives every edge its own cursor, and
 * moves to the backend's next token once this page is used up.
 */
export function relayPage<T, N>(
  items: readonly T[],
  from: PageCursor,
  first: number,
  nextToken: string,
  toNode: (item: T) => N,
): Page<N> {
  const visible = items.slice(from.skip, from.skip + first);
  const edges = visible.map((item, i) => {
    const consumed = from.skip + i + 1;
    const cursor: PageCursor =
      consumed === items.length && nextToken !== ''
        ? { token: nextToken, skip: 0 }
        : { token: from.token, skip: consumed };
    return { cursor: encodeCursor(cursor), node: toNode(item) };
  });
  const exhaustedPage = from.skip + visible.length >= items.length;
  const hasNextPage = !exhaustedPage || nextToken !== '';
  let endCursor: string | null = edges.at(-1)?.cursor ?? null;
  if (edges.length === 0 && nextToken !== '') {
    // The backend capped its page below the items already seen: continue on its next page.
    endCursor = encodeCursor({ token: nextToken, skip: Math.max(0, from.skip - items.length) });
  }
  return { edges, pageInfo: { hasNextPage, endCursor } };
}

/**
 * One Relay page of a backend listing: checks `first` (1..max) and `after`, asks the backend for the
 * page the cursor points into (`page` is its PageRequest) and builds the connection from the answer.
 */
export async function loadConnection<T, N>(
  args: { first: number; after: string | null | undefined; max: number },
  fetch: (page: { pageSize: number; pageToken: string }) => Promise<{
    items: readonly T[];
    pageInfo?: { nextPageToken: string; totalSize: number } | undefined;
  }>,
  toNode: (item: T) => N,
): Promise<Page<N> & { totalCount: number }> {
  checkPageSize(args.first, args.max);
  const cursor = decodeCursor(args.after);
  const { items, pageInfo } = await fetch({ pageSize: cursor.skip + args.first, pageToken: cursor.token });
  return {
    ...relayPage(items, cursor, args.first, pageInfo?.nextPageToken ?? '', toNode),
    totalCount: pageInfo?.totalSize ?? 0,
  };
}

/**
 * The Relay connection type of a node: `class TradeConnection extends Connection(Trade, 'Trade') {}`
 * gives `TradeConnection { edges: [TradeEdge!]!, pageInfo: PageInfo!, totalCount: Int! }`.
 */
export function Connection<N>(node: Type<N>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field({ description: 'Pass as `after` to continue after this edge.' }) cursor!: string;
    @Field(() => node) node!: N;
  }
  @ObjectType({ isAbstract: true })
  abstract class ConnectionType {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { description: 'Items matching the request over all pages.' }) totalCount!: number;
  }
  return ConnectionType;
}
