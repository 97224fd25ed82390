import { eventsV1 } from '@tapeline/contracts';
import { alertCandidate, type AlertCandidate } from '../alerts';
import { systemClock, type MicrosClock } from '../clock';
import { formatScaled } from '../decimal-scaler';
import type { ResolvedInstrument } from '../instrument-resolver';
import type { DepthLevels, NormalisedDepth } from '../normaliser';
import { L2Book, type BookSide } from './l2-book';

/** awaiting_snapshot: no snapshot yet; stale: a gap was seen and a fresh snapshot is awaited. */
export type BookState = 'awaiting_snapshot' | 'live' | 'stale';

/** What `apply` did with an update (the same facts also reach the BookOutput). */
export type BookUpdateResult = 'snapshot' | 'applied' | 'stale_dropped' | 'buffered' | 'gap';

/** Ask the adapter for a snapshot: `adapter.requestSnapshot(request.symbol)`. */
export interface ResyncRequest {
  readonly venue: string;
  /** The venue's symbol, as FeedAdapter.requestSnapshot wants it. */
  readonly symbol: string;
  readonly instrumentId: string;
  readonly reason: 'initial' | 'gap' | 'retry' | 'reconnect';
  /** Sequence the book had reached; -1 before the first snapshot. */
  readonly bookSequence: number;
}

export interface BookOutput {
  depth(event: eventsV1.DepthEvent): void;
  quote(event: eventsV1.QuoteEvent): void;
  alert(candidate: AlertCandidate): void;
  resync(request: ResyncRequest): void;
}

export interface BookBuilderOptions {
  readonly clock?: MicrosClock;
  /** Diffs kept per book while it waits for a snapshot; the oldest half is dropped beyond this. */
  readonly maxBufferedDiffs?: number;
  /** A resync not answered by a snapshot within this time is requested again by `check`. */
  readonly resyncRetryMicros?: bigint;
}

/** Mantissas at the instrument's scales. */
export interface BookLevel {
  readonly price: number;
  readonly size: number;
}

export interface BookView {
  readonly instrumentId: string;
  readonly venue: string;
  readonly state: BookState;
  readonly sequence: number;
  readonly priceScale: number;
  readonly sizeScale: number;
  /** Best first. */
  readonly bids: BookLevel[];
  readonly asks: BookLevel[];
}

export interface BookStats {
  readonly instrumentId: string;
  readonly venue: string;
  readonly state: BookState;
  readonly sequence: number;
  readonly bidLevels: number;
  readonly askLevels: number;
  readonly applied: number;
  readonly staleDropped: number;
  readonly gaps: number;
  readonly buffered: number;
  readonly bufferDropped: number;
  readonly resyncRequests: number;
}

/** A diff kept while the book waits for a snapshot: its own copy of the levels. */
function copyDiff(d: DepthLevels): DepthLevels {
  return {
    ...d,
    bidPrices: d.bidPrices.slice(0, d.bidCount),
    bidSizes: d.bidSizes.slice(0, d.bidCount),
    askPrices: d.askPrices.slice(0, d.askCount),
    askSizes: d.askSizes.slice(0, d.askCount),
  };
}

const NORMAL = 0;
const LOCKED = 1;
const CROSSED = 2;

class BookRecord {
  readonly book = new L2Book();
  state: BookState = 'awaiting_snapshot';
  sequence = -1;
  buffered: DepthLevels[] = [];
  resyncRequestedAt = -1n;
  bidPrice = NaN;
  bidSize = NaN;
  askPrice = NaN;
  askSize = NaN;
  topState = NORMAL;
  /** Times of the last update applied, carried by snapshots taken on demand. */
  exchangeTimeMicros = 0n;
  receiveTimeMicros = 0n;
  applied = 0;
  staleDropped = 0;
  gaps = 0;
  bufferDropped = 0;
  resyncRequests = 0;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly instrument: ResolvedInstrument,
  ) {}
}

const DEFAULT_MAX_BUFFERED = 10_000;
const DEFAULT_RESYNC_RETRY_MICROS = 5_000_000n;
const { DEPTH_KIND_DIFF, DEPTH_KIND_SNAPSHOT } = eventsV1.DepthKind;

/**
 * One L2 book per (venue, instrument) from a snapshot and sequenced diffs. A diff carries
 * `sequence` (last update id it contains) and `previousSequence` (first id - 1):
 *   sequence <= book          stale, dropped
 *   previous <= book < seq    applied (previous < book is the overlap right after a snapshot;
 *                             levels are absolute sizes, so re-applying them is harmless)
 *   previous > book           gap: book stale, resync requested, diffs buffered until a snapshot,
 *                             then the buffered diffs newer than the snapshot applied.
 * After each change it publishes the DepthEvent (diffs chained so that each one's previous_sequence
 * is the sequence of the last event published for that book) and, when the top of book moved, a
 * QuoteEvent; crossed and locked books raise alerts.
 */
export class BookBuilder {
  private readonly books = new Map<string, Map<string, BookRecord>>();
  private readonly clock: MicrosClock;
  private readonly maxBuffered: number;
  private readonly resyncRetryMicros: bigint;

  constructor(
    private readonly output: BookOutput,
    options: BookBuilderOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxBuffered = options.maxBufferedDiffs ?? DEFAULT_MAX_BUFFERED;
    this.resyncRetryMicros = options.resyncRetryMicros ?? DEFAULT_RESYNC_RETRY_MICROS;
  }

  apply(update: NormalisedDepth): BookUpdateResult {
    const rec = this.record(update);
    if (update.kind === 'snapshot') return this.applySnapshot(rec, update);
    if (rec.state !== 'live') {
      this.buffer(rec, update);
      if (rec.resyncRequestedAt < 0n) this.requestResync(rec, rec.sequence < 0 ? 'initial' : 'gap');
      return 'buffered';
    }
    return this.applyDiff(rec, update);
  }

  state(instrumentId: string, venue: string): BookState | undefined {
    return this.find(instrumentId, venue)?.state;
  }

  /** The book's levels, best first, `depth` deep on each side. */
  levels(instrumentId: string, venue: string, depth = Infinity): BookView | undefined {
    const rec = this.find(instrumentId, venue);
    if (!rec) return undefined;
    return {
      instrumentId,
      venue,
      state: rec.state,
      sequence: rec.sequence,
      priceScale: rec.instrument.priceScale,
      sizeScale: rec.instrument.sizeScale,
      bids: sideLevels(rec.book.bids, depth),
      asks: sideLevels(rec.book.asks, depth),
    };
  }

  /** A full-book DepthEvent for periodic publication or a late subscriber; undefined unless live. */
  snapshot(instrumentId: string, venue: string, depth = Infinity): eventsV1.DepthEvent | undefined {
    const rec = this.find(instrumentId, venue);
    if (!rec || rec.state !== 'live') return undefined;
    return this.snapshotEvent(rec, depth, this.clock().toString());
  }

  /** Snapshots of every live book. */
  snapshots(depth = Infinity): eventsV1.DepthEvent[] {
    const out: eventsV1.DepthEvent[] = [];
    const publish = this.clock().toString();
    for (const byInstrument of this.books.values()) {
      for (const rec of byInstrument.values()) {
        if (rec.state === 'live') out.push(this.snapshotEvent(rec, depth, publish));
      }
    }
    return out;
  }

  /** The feed dropped (disconnect): its books can no longer be trusted until a fresh snapshot. */
  invalidateVenue(venue: string): void {
    for (const rec of this.books.get(venue)?.values() ?? []) {
      if (rec.state === 'live') rec.state = 'stale';
      rec.buffered = [];
      rec.resyncRequestedAt = -1n;
    }
  }

  /** Asks for snapshots of every book of the venue that is not live (after a reconnect). */
  resyncVenue(venue: string): void {
    for (const rec of this.books.get(venue)?.values() ?? []) {
      if (rec.state !== 'live') this.requestResync(rec, 'reconnect');
    }
  }

  /** Requests again the resyncs that no snapshot answered in time. */
  check(nowMicros: bigint): void {
    for (const byInstrument of this.books.values()) {
      for (const rec of byInstrument.values()) {
        if (
          rec.state !== 'live' &&
          rec.resyncRequestedAt >= 0n &&
          nowMicros - rec.resyncRequestedAt >= this.resyncRetryMicros
        ) {
          this.requestResync(rec, 'retry');
        }
      }
    }
  }

  stats(): BookStats[] {
    const out: BookStats[] = [];
    for (const byInstrument of this.books.values()) {
      for (const rec of byInstrument.values()) {
        out.push({
          instrumentId: rec.instrument.instrumentId,
          venue: rec.venue,
          state: rec.state,
          sequence: rec.sequence,
          bidLevels: rec.book.bids.depth,
          askLevels: rec.book.asks.depth,
          applied: rec.applied,
          staleDropped: rec.staleDropped,
          gaps: rec.gaps,
          buffered: rec.buffered.length,
          bufferDropped: rec.bufferDropped,
          resyncRequests: rec.resyncRequests,
        });
      }
    }
    return out;
  }

  private applySnapshot(rec: BookRecord, snap: DepthLevels): BookUpdateResult {
    if (rec.state === 'live' && snap.sequence <= rec.sequence) {
      rec.staleDropped++;
      return 'stale_dropped';
    }
    const { bids, asks } = rec.book;
    rec.book.clear();
    // Venues list levels best first; inserting from the worst end appends, so no shifting.
    for (let i = snap.bidCount - 1; i >= 0; i--) bids.set(snap.bidPrices[i]!, snap.bidSizes[i]!);
    for (let i = snap.askCount - 1; i >= 0; i--) asks.set(snap.askPrices[i]!, snap.askSizes[i]!);
    rec.sequence = snap.sequence;
    rec.state = 'live';
    rec.resyncRequestedAt = -1n;
    rec.applied++;
    rec.exchangeTimeMicros = snap.exchangeTimeMicros;
    rec.receiveTimeMicros = snap.receiveTimeMicros;
    const publish = this.clock().toString();
    this.output.depth(this.snapshotEvent(rec, Infinity, publish));
    this.afterChange(rec, snap, publish);
    const pending = rec.buffered;
    rec.buffered = [];
    for (let i = 0; i < pending.length; i++) {
      if (rec.state !== 'live') {
        // A hole inside the buffer itself: keep the rest for the next snapshot.
        for (let j = i; j < pending.length; j++) rec.buffered.push(pending[j]!);
        break;
      }
      this.applyDiff(rec, pending[i]!, true);
    }
    return 'snapshot';
  }

  /** `owned`: the diff is already a buffered copy (being replayed after a snapshot). */
  private applyDiff(rec: BookRecord, diff: DepthLevels, owned = false): BookUpdateResult {
    if (diff.sequence <= rec.sequence) {
      rec.staleDropped++;
      return 'stale_dropped';
    }
    if (diff.previousSequence > rec.sequence) {
      rec.state = 'stale';
      rec.gaps++;
      this.output.alert(
        alertCandidate(
          eventsV1.AlertKind.ALERT_KIND_SEQUENCE_GAP,
          eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
          rec.instrument.instrumentId,
          rec.venue,
          `${rec.venue} ${rec.symbol}: sequence gap, book at ${rec.sequence} but diff starts after ${diff.previousSequence}; resyncing`,
          {
            venue_symbol: rec.symbol,
            book_sequence: String(rec.sequence),
            previous_sequence: String(diff.previousSequence),
            sequence: String(diff.sequence),
            missing_updates: String(diff.previousSequence - rec.sequence),
          },
          this.clock(),
        ),
      );
      this.buffer(rec, diff, owned);
      this.requestResync(rec, 'gap');
      return 'gap';
    }
    const { bids, asks } = rec.book;
    for (let i = 0; i < diff.bidCount; i++) bids.set(diff.bidPrices[i]!, diff.bidSizes[i]!);
    for (let i = 0; i < diff.askCount; i++) asks.set(diff.askPrices[i]!, diff.askSizes[i]!);
    const previous = rec.sequence;
    rec.sequence = diff.sequence;
    rec.applied++;
    rec.exchangeTimeMicros = diff.exchangeTimeMicros;
    rec.receiveTimeMicros = diff.receiveTimeMicros;
    const publish = this.clock().toString();
    const { instrument } = rec;
    this.output.depth({
      instrumentId: instrument.instrumentId,
      venue: rec.venue,
      sequence: String(diff.sequence),
      previousSequence: String(previous),
      kind: DEPTH_KIND_DIFF,
      priceScale: instrument.priceScale,
      sizeScale: instrument.sizeScale,
      bids: diffLevels(diff.bidPrices, diff.bidSizes, diff.bidCount, -1),
      asks: diffLevels(diff.askPrices, diff.askSizes, diff.askCount, 1),
      exchangeTimeMicros: diff.exchangeTimeMicros.toString(),
      receiveTimeMicros: diff.receiveTimeMicros.toString(),
      publishTimeMicros: publish,
    });
    this.afterChange(rec, diff, publish);
    return 'applied';
  }

  /** Publishes the top of book if it moved, and alerts on entering a crossed or locked state. */
  private afterChange(rec: BookRecord, update: DepthLevels, publish: string): void {
    const { bids, asks } = rec.book;
    const bidPrice = bids.price(0);
    const bidSize = bids.size(0);
    const askPrice = asks.price(0);
    const askSize = asks.size(0);
    if (
      !same(bidPrice, rec.bidPrice) ||
      !same(bidSize, rec.bidSize) ||
      !same(askPrice, rec.askPrice) ||
      !same(askSize, rec.askSize)
    ) {
      rec.bidPrice = bidPrice;
      rec.bidSize = bidSize;
      rec.askPrice = askPrice;
      rec.askSize = askSize;
      const { instrument } = rec;
      this.output.quote({
        instrumentId: instrument.instrumentId,
        venue: rec.venue,
        sequence: String(rec.sequence),
        priceScale: instrument.priceScale,
        sizeScale: instrument.sizeScale,
        // An empty side is published as price 0, size 0.
        bidPrice: bidPrice === bidPrice ? String(bidPrice) : '0',
        bidSize: bidSize === bidSize ? String(bidSize) : '0',
        askPrice: askPrice === askPrice ? String(askPrice) : '0',
        askSize: askSize === askSize ? String(askSize) : '0',
        exchangeTimeMicros: update.exchangeTimeMicros.toString(),
        receiveTimeMicros: update.receiveTimeMicros.toString(),
        publishTimeMicros: publish,
      });
    }
    // NaN compares false both ways, so a one-sided book counts as normal.
    const topState = bidPrice > askPrice ? CROSSED : bidPrice === askPrice ? LOCKED : NORMAL;
    if (topState !== rec.topState && topState !== NORMAL) this.alertTop(rec, topState);
    rec.topState = topState;
  }

  private alertTop(rec: BookRecord, topState: number): void {
    const crossed = topState === CROSSED;
    const { priceScale } = rec.instrument;
    const bid = formatScaled(rec.bidPrice, priceScale);
    const ask = formatScaled(rec.askPrice, priceScale);
    this.output.alert(
      alertCandidate(
        crossed ? eventsV1.AlertKind.ALERT_KIND_CROSSED_BOOK : eventsV1.AlertKind.ALERT_KIND_LOCKED_BOOK,
        crossed
          ? eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL
          : eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
        rec.instrument.instrumentId,
        rec.venue,
        `${rec.venue} ${rec.symbol}: book ${crossed ? 'crossed' : 'locked'}, best bid ${bid} ${crossed ? '>' : '='} best ask ${ask} at sequence ${rec.sequence}`,
        { venue_symbol: rec.symbol, bid_price: bid, ask_price: ask, sequence: String(rec.sequence) },
        this.clock(),
      ),
    );
  }

  private snapshotEvent(rec: BookRecord, depth: number, publish: string): eventsV1.DepthEvent {
    const { instrument } = rec;
    return {
      instrumentId: instrument.instrumentId,
      venue: rec.venue,
      sequence: String(rec.sequence),
      previousSequence: '0',
      kind: DEPTH_KIND_SNAPSHOT,
      priceScale: instrument.priceScale,
      sizeScale: instrument.sizeScale,
      bids: wireLevels(rec.book.bids, depth),
      asks: wireLevels(rec.book.asks, depth),
      exchangeTimeMicros: rec.exchangeTimeMicros.toString(),
      receiveTimeMicros: rec.receiveTimeMicros.toString(),
      publishTimeMicros: publish,
    };
  }

  private buffer(rec: BookRecord, diff: DepthLevels, owned = false): void {
    if (rec.buffered.length >= this.maxBuffered) {
      // Halving amortises the cost; the oldest diffs are the likeliest to predate the snapshot.
      const drop = Math.ceil(rec.buffered.length / 2);
      rec.buffered.splice(0, drop);
      rec.bufferDropped += drop;
    }
    rec.buffered.push(owned ? diff : copyDiff(diff));
  }

  private requestResync(rec: BookRecord, reason: ResyncRequest['reason']): void {
    rec.resyncRequestedAt = this.clock();
    rec.resyncRequests++;
    this.output.resync({
      venue: rec.venue,
      symbol: rec.symbol,
      instrumentId: rec.instrument.instrumentId,
      reason,
      bookSequence: rec.sequence,
    });
  }

  private record(update: NormalisedDepth): BookRecord {
    let byInstrument = this.books.get(update.venue);
    if (!byInstrument) this.books.set(update.venue, (byInstrument = new Map()));
    let rec = byInstrument.get(update.instrument.instrumentId);
    if (!rec) {
      rec = new BookRecord(update.venue, update.symbol, update.instrument);
      byInstrument.set(update.instrument.instrumentId, rec);
    }
    return rec;
  }

  private find(instrumentId: string, venue: string): BookRecord | undefined {
    return this.books.get(venue)?.get(instrumentId);
  }
}

function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

function sideLevels(side: BookSide, depth: number): BookLevel[] {
  const n = Math.min(depth, side.depth);
  const out: BookLevel[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { price: side.price(i), size: side.size(i) };
  return out;
}

function wireLevels(side: BookSide, depth: number): eventsV1.PriceLevel[] {
  const n = Math.min(depth, side.depth);
  const out: eventsV1.PriceLevel[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { price: String(side.price(i)), size: String(side.size(i)) };
  return out;
}

/**
 * A diff's levels for the wire, best first as the contract asks (`direction` -1: descending prices
 * for bids, +1 ascending for asks). Venues nearly always send them in that order already.
 */
function diffLevels(
  prices: Float64Array,
  sizes: Float64Array,
  count: number,
  direction: 1 | -1,
): eventsV1.PriceLevel[] {
  const out: eventsV1.PriceLevel[] = new Array(count);
  let ordered = true;
  for (let i = 0; i < count; i++) {
    out[i] = { price: String(prices[i]), size: String(sizes[i]) };
    if (i > 0 && (prices[i]! - prices[i - 1]!) * direction < 0) ordered = false;
  }
  if (!ordered) out.sort((a, b) => (Number(a.price) - Number(b.price)) * direction);
  return out;
}
