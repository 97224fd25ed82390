/** Where a history page ended: the sort key (time, venue, sequence) of its last row. */
export interface HistoryCursor {
  readonly timeMicros: bigint;
  readonly venue: string;
  readonly sequence: bigint;
}

/** What a page token is bound to: the same query must come back with it. */
export interface HistoryQueryKey {
  readonly kind: 'trades' | 'quotes';
  readonly instrumentId: string;
  readonly fromMicros: bigint;
  /** The end of the range as resolved for the first page ("now" when the request left it open). */
  readonly toMicros: bigint;
}

export class PageTokenError extends Error {
  override readonly name = 'PageTokenError';
  readonly code = 'INVALID_PAGE_TOKEN';
}

const VERSION = 1;
const INTEGER = /^\d{1,20}$/;

interface TokenBody {
  v: number;
  k: string;
  i: string;
  f: string;
  t: string;
  at: string;
  ve: string;
  s: string;
}

/** An opaque token (base64url JSON) carrying the query it belongs to and where the page ended. */
export function encodePageToken(query: HistoryQueryKey, cursor: HistoryCursor): string {
  const body: TokenBody = {
    v: VERSION,
    k: query.kind,
    i: query.instrumentId,
    f: query.fromMicros.toString(),
    t: query.toMicros.toString(),
    at: cursor.timeMicros.toString(),
    ve: cursor.venue,
    s: cursor.sequence.toString(),
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Reads a token back and checks it belongs to this query (same kind, instrument and range start;
 * the range end is taken from the token when the request leaves it open, so every page of one
 * listing sees the same rows). Throws PageTokenError naming page_token otherwise.
 */
export function decodePageToken(
  token: string,
  query: Omit<HistoryQueryKey, 'toMicros'> & { toMicros: bigint | undefined },
): { cursor: HistoryCursor; toMicros: bigint } {
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw new PageTokenError('page_token is not a token this service issued');
  }
  const fields = [body.f, body.t, body.at, body.s];
  if (
    typeof body !== 'object' ||
    body === null ||
    body.v !== VERSION ||
    typeof body.k !== 'string' ||
    typeof body.i !== 'string' ||
    typeof body.ve !== 'string' ||
    !fields.every((f) => typeof f === 'string' && INTEGER.test(f))
  ) {
    throw new PageTokenError('page_token is not a token this service issued');
  }
  const toMicros = BigInt(body.t!);
  if (
    body.k !== query.kind ||
    body.i !== query.instrumentId ||
    BigInt(body.f!) !== query.fromMicros ||
    (query.toMicros !== undefined && query.toMicros !== toMicros)
  ) {
    throw new PageTokenError(
      `page_token belongs to another query (${body.k} of ${body.i}); send the same instrument_id and range as the first page`,
    );
  }
  return {
    cursor: { timeMicros: BigInt(body.at!), venue: body.ve!, sequence: BigInt(body.s!) },
    toMicros,
  };
}
