// The simulated market as the oms sees it, per instrument: the L2 book rebuilt from `depth`
// (a SNAPSHOT, then DIFFs that must follow the last sequence), or, for an instrument without a
// usable depth book, the top of book of `quotes`. Only the venue that first sent depth for an
// instrument is followed. Mantissas stay at the market's scales (see MarketSeeder for the
// instrument's).
import { eventsV1 } from '@tapeline/contracts';

export interface MarketLevel {
  readonly price: bigint;
  readonly size: bigint;
}

export interface MarketView {
  readonly priceScale: number;
  readonly sizeScale: number;
  /** Best first. */
  readonly bids: readonly MarketLevel[];
  readonly asks: readonly MarketLevel[];
  /** Local time (ms) of the last update. */
  readonly updatedAtMs: number;
}

class DepthBook {
  synced = false;
  sequence = 0n;
  priceScale = 0;
  sizeScale = 0;
  readonly bids = new Map<bigint, bigint>();
  readonly asks = new Map<bigint, bigint>();

  constructor(readonly venue: string) {}
}

interface Top {
  readonly priceScale: number;
  readonly sizeScale: number;
  readonly bid: MarketLevel | null;
  readonly ask: MarketLevel | null;
}

export class MarketBooks {
  private readonly depth = new Map<string, DepthBook>();
  private readonly tops = new Map<string, Top>();
  private readonly updatedAt = new Map<string, number>();
  /** Instruments updated since the last `takeChanged`. */
  private changed = new Set<string>();

  /** Applies a `depth` event; false when it was ignored (another venue, a gap, another scale). */
  onDepth(e: eventsV1.DepthEvent, nowMs: number): boolean {
    let book = this.depth.get(e.instrumentId);
    if (book === undefined) {
      book = new DepthBook(e.venue);
      this.depth.set(e.instrumentId, book);
    }
    if (book.venue !== e.venue) return false;
    const sequence = BigInt(e.sequence);
    if (e.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT) {
      book.bids.clear();
      book.asks.clear();
      book.priceScale = e.priceScale;
      book.sizeScale = e.sizeScale;
      book.synced = true;
    } else if (
      e.kind !== eventsV1.DepthKind.DEPTH_KIND_DIFF ||
      !book.synced ||
      BigInt(e.previousSequence) !== book.sequence ||
      e.priceScale !== book.priceScale ||
      e.sizeScale !== book.sizeScale
    ) {
      // A gap: the book is unknown until the next snapshot (market-data sends one every second).
      book.synced = false;
      return false;
    }
    for (const [levels, side] of [
      [e.bids, book.bids],
      [e.asks, book.asks],
    ] as const) {
      for (const l of levels) {
        const size = BigInt(l.size);
        if (size > 0n) side.set(BigInt(l.price), size);
        else side.delete(BigInt(l.price));
      }
    }
    book.sequence = sequence;
    this.touch(e.instrumentId, nowMs);
    return true;
  }

  /** Takes a `quotes` event as a one-level book, for instruments without a synced depth book. */
  onQuote(q: eventsV1.QuoteEvent, nowMs: number): boolean {
    if (this.depth.get(q.instrumentId)?.synced) return false;
    const level = (price: string, size: string): MarketLevel | null =>
      BigInt(size) > 0n ? { price: BigInt(price), size: BigInt(size) } : null;
    this.tops.set(q.instrumentId, {
      priceScale: q.priceScale,
      sizeScale: q.sizeScale,
      bid: level(q.bidPrice, q.bidSize),
      ask: level(q.askPrice, q.askSize),
    });
    this.touch(q.instrumentId, nowMs);
    return true;
  }

  /** The instruments updated since the previous call. */
  takeChanged(): Set<string> {
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  /** Instrument id -> local time (ms) of its last update. */
  updates(): ReadonlyMap<string, number> {
    return this.updatedAt;
  }

  /** Up to `levels` levels a side, best first; undefined for an instrument never seen. */
  view(instrumentId: string, levels: number): MarketView | undefined {
    const updatedAtMs = this.updatedAt.get(instrumentId);
    if (updatedAtMs === undefined) return undefined;
    const book = this.depth.get(instrumentId);
    if (book?.synced) {
      return {
        priceScale: book.priceScale,
        sizeScale: book.sizeScale,
        bids: best(book.bids, levels, (a, b) => b > a),
        asks: best(book.asks, levels, (a, b) => b < a),
        updatedAtMs,
      };
    }
    const top = this.tops.get(instrumentId);
    if (top === undefined) return { priceScale: 0, sizeScale: 0, bids: [], asks: [], updatedAtMs };
    return {
      priceScale: top.priceScale,
      sizeScale: top.sizeScale,
      bids: top.bid ? [top.bid] : [],
      asks: top.ask ? [top.ask] : [],
      updatedAtMs,
    };
  }

  private touch(instrumentId: string, nowMs: number): void {
    this.updatedAt.set(instrumentId, nowMs);
    this.changed.add(instrumentId);
  }
}

/** The `n` best levels of one side; `better(a, b)`: b is a better price than a. */
function best(
  side: Map<bigint, bigint>,
  n: number,
  better: (a: bigint, b: bigint) => boolean,
): MarketLevel[] {
  const prices = [...side.keys()].sort((a, b) => (better(a, b) ? 1 : better(b, a) ? -1 : 0));
  return prices.slice(0, n).map((price) => ({ price, size: side.get(price)! }));
}
