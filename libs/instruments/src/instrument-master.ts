import type { AssetClass, Instrument, InstrumentStatus } from './instrument';
import { INSTRUMENT_ID_RE } from './instrument';

export interface InstrumentFilter {
  assetClasses?: readonly AssetClass[];
  venue?: string;
  /** Case-insensitive substring of id, symbol or description. */
  query?: string;
  statuses?: readonly InstrumentStatus[];
}

export interface InstrumentPage {
  instruments: Instrument[];
  /** Opaque cursor for the next page; empty on the last page. */
  nextPageToken: string;
  totalSize: number;
}

export class InstrumentQueryError extends Error {
  override readonly name = 'InstrumentQueryError';
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/**
 * The instrument master held in memory: a sorted array for paging and two indexes (by id, and by
 * venue + venue symbol) so that feed handlers resolve symbols in O(1).
 */
export class InstrumentMaster {
  private readonly sorted: Instrument[];
  private readonly byId = new Map<string, Instrument>();
  private readonly byVenueSymbol = new Map<string, Instrument>();

  constructor(instruments: readonly Instrument[]) {
    this.sorted = [...instruments].sort((a, b) => (a.instrumentId < b.instrumentId ? -1 : 1));
    for (const i of this.sorted) {
      this.byId.set(i.instrumentId, i);
      for (const vs of i.venueSymbols) this.byVenueSymbol.set(venueKey(vs.venue, vs.symbol), i);
    }
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Throws InstrumentQueryError for a malformed id; returns undefined for a well-formed unknown one. */
  get(instrumentId: string): Instrument | undefined {
    if (!instrumentId) throw new InstrumentQueryError('instrument_id is required');
    if (!INSTRUMENT_ID_RE.test(instrumentId)) {
      throw new InstrumentQueryError(`instrument_id "${instrumentId}" is not of the form SYMBOL.VENUE`);
    }
    return this.byId.get(instrumentId);
  }

  resolveVenueSymbol(venue: string, symbol: string): Instrument | undefined {
    if (!venue || !symbol) throw new InstrumentQueryError('venue and symbol are both required');
    return this.byVenueSymbol.get(venueKey(venue, symbol));
  }

  list(filter: InstrumentFilter, pageSize = 0, pageToken = ''): InstrumentPage {
    if (!Number.isInteger(pageSize) || pageSize < 0) {
      throw new InstrumentQueryError(`page_size must be a non-negative integer, got ${pageSize}`);
    }
    const size = Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const after = pageToken ? decodeCursor(pageToken) : '';
    const q = filter.query?.toLowerCase() ?? '';
    const matches = this.sorted.filter(
      (i) =>
        (!filter.assetClasses?.length || filter.assetClasses.includes(i.assetClass)) &&
        (!filter.venue || i.venue === filter.venue) &&
        (!filter.statuses?.length || filter.statuses.includes(i.status)) &&
        (!q ||
          i.instrumentId.toLowerCase().includes(q) ||
          i.symbol.toLowerCase().includes(q) ||
          i.description.toLowerCase().includes(q)),
    );
    const start = after ? matches.findIndex((i) => i.instrumentId > after) : 0;
    const page = start < 0 ? [] : matches.slice(start, start + size);
    const last = page[page.length - 1];
    const more = start >= 0 && start + size < matches.length;
    return {
      instruments: page,
      nextPageToken: more && last ? encodeCursor(last.instrumentId) : '',
      totalSize: matches.length,
    };
  }
}

function venueKey(venue: string, symbol: string): string {
  return `${venue}\u0000${symbol}`;
}

const CURSOR_PREFIX = 'i:';
/** Cursors are opaque to clients but stable: the last id seen, so inserts do not shift pages. */
export function encodeCursor(instrumentId: string): string {
  return Buffer.from(CURSOR_PREFIX + instrumentId, 'utf8').toString('base64url');
}
export function decodeCursor(token: string): string {
  const raw = Buffer.from(token, 'base64url').toString('utf8');
  if (!raw.startsWith(CURSOR_PREFIX) || !INSTRUMENT_ID_RE.test(raw.slice(CURSOR_PREFIX.length))) {
    throw new InstrumentQueryError('page_token is not a cursor this service issued');
  }
  return raw.slice(CURSOR_PREFIX.length);
}
