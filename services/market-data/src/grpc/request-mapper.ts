import { marketDataV1, type commonV1 } from '@tapeline/contracts';
import type { BookLevel } from '@tapeline/market';
import type { BookAnswer } from '../pipeline/market-data-pipeline';

// Request fields checked here throw RangeError naming the field; the controller answers
// INVALID_ARGUMENT with the message.

export const MAX_DEPTH = 1000;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const MICROS = /^\d{1,19}$/;

/** 0 = the service default; above MAX_DEPTH is refused rather than silently cut. */
export function parseDepth(depth: number, fallback: number, field: string): number {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    throw new RangeError(`${field} must be between 0 (service default) and ${MAX_DEPTH}, got ${depth}`);
  }
  return depth === 0 ? fallback : depth;
}

/** 0 = the default page; larger than the maximum is capped (common.v1.PageRequest). */
export function parsePageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 0) {
    throw new RangeError(`page.page_size must be a non-negative integer, got ${pageSize}`);
  }
  return pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
}

// grpc-js hands unset message fields over as null (proto-loader `defaults`), ts-proto types say undefined.
function micros(ts: commonV1.Timestamp | undefined | null, field: string): bigint | undefined {
  if (ts === undefined || ts === null) return undefined;
  if (!MICROS.test(ts.unixMicros)) {
    throw new RangeError(`${field}.unix_micros must be a non-negative integer, got ${ts.unixMicros}`);
  }
  return BigInt(ts.unixMicros);
}

/** [from, to): an unset `from` is the epoch, an unset `to` is now (`toMicros` undefined). */
export function parseTimeRange(
  range: marketDataV1.TimeRange | undefined | null,
  nowMicros: bigint,
): { fromMicros: bigint; toMicros: bigint | undefined; nowMicros: bigint } {
  const fromMicros = micros(range?.from, 'range.from') ?? 0n;
  const toMicros = micros(range?.to, 'range.to');
  if (toMicros !== undefined && fromMicros >= toMicros) {
    throw new RangeError(`range.from (${fromMicros}) must be before range.to (${toMicros})`);
  }
  return { fromMicros, toMicros, nowMicros };
}

/** Empty = every kind; an unknown or unspecified kind is refused. */
export function parseKinds(kinds: readonly number[]): Set<marketDataV1.MarketDataKind> {
  const out = new Set<marketDataV1.MarketDataKind>();
  for (const k of kinds) {
    if (
      k === marketDataV1.MarketDataKind.MARKET_DATA_KIND_UNSPECIFIED ||
      marketDataV1.MarketDataKind[k] === undefined
    ) {
      throw new RangeError(`kinds contains an invalid value ${k}`);
    }
    out.add(k);
  }
  return out;
}

const levels = (side: readonly BookLevel[]) =>
  side.map((l) => ({ price: String(l.price), size: String(l.size) }));

export function bookToProto(book: BookAnswer): marketDataV1.GetBookResponse {
  const { view } = book;
  return {
    instrumentId: view.instrumentId,
    sequence: String(view.sequence),
    priceScale: view.priceScale,
    sizeScale: view.sizeScale,
    bids: levels(view.bids),
    asks: levels(view.asks),
    stale: view.state !== 'live',
    updatedAt: { unixMicros: book.updatedAtMicros },
  };
}
