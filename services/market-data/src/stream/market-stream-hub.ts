import { ConflatingMailbox, MailboxClosedError } from '@tapeline/conflation';
import { eventsV1, marketDataV1 } from '@tapeline/contracts';

type Message = marketDataV1.StreamMarketDataResponse;
const { MARKET_DATA_KIND_QUOTES, MARKET_DATA_KIND_TRADES, MARKET_DATA_KIND_DEPTH } =
  marketDataV1.MarketDataKind;

/** What the hub asks the pipeline when a stream starts or falls behind. */
export interface BookSource {
  /** The venue whose book the read side follows for an instrument (the first to publish one). */
  bookVenue(instrumentId: string): string | undefined;
  /** A snapshot of that book, `depth` levels per side; undefined unless the book is live. */
  snapshot(instrumentId: string, depth: number): eventsV1.DepthEvent | undefined;
}

export interface StreamRequest {
  readonly instrumentIds: readonly string[];
  /** Empty = every kind. */
  readonly kinds: ReadonlySet<marketDataV1.MarketDataKind>;
  readonly depth: number;
}

/** A stream whose client read too slowly for the recent-trade window to cover what it missed. */
export class StreamFellBehindError extends Error {
  override readonly name = 'StreamFellBehindError';
  readonly code = 'STREAM_FELL_BEHIND';
}

/** Trades kept per followed instrument, so that a stream whose trade queue overflowed can catch up. */
class TradeWindow {
  private trades: eventsV1.TradeEvent[] = [];
  followers = 0;

  constructor(private readonly capacity: number) {}

  get last(): eventsV1.TradeEvent | undefined {
    return this.trades[this.trades.length - 1];
  }

  push(trade: eventsV1.TradeEvent): void {
    this.trades.push(trade);
    // Trim in steps, not per trade: amortised O(1).
    if (this.trades.length >= 2 * this.capacity) this.trades = this.trades.slice(-this.capacity);
  }

  /** Trades after `last` (all of them when undefined); undefined when `last` already left the window. */
  after(last: eventsV1.TradeEvent | undefined): eventsV1.TradeEvent[] | undefined {
    if (last === undefined) return [...this.trades];
    const i = this.trades.lastIndexOf(last);
    return i < 0 ? undefined : this.trades.slice(i + 1);
  }
}

interface Followed {
  readonly instrumentId: string;
  readonly quoteKey: string;
  readonly tradeKey: string;
  readonly depthKey: string;
  /** A snapshot went out (or is queued): diffs chain to it. */
  depthSynced: boolean;
  lastTrade: eventsV1.TradeEvent | undefined;
}

/**
 * One StreamMarketData call: a ConflatingMailbox between the feed and the client. Quotes are
 * latest-wins; depth starts with a snapshot and continues with chained diffs, and a run of diffs
 * that overflows is replaced by a fresh snapshot; trades are never conflated: an overflow is
 * caught up from the hub's recent-trade window, or ends the stream if the window no longer
 * reaches back that far (the client then backfills with ListTrades).
 */
export class MarketStream {
  readonly mailbox: ConflatingMailbox<Message>;
  private readonly followed = new Map<string, Followed>();
  private readonly byKey = new Map<string, Followed>();
  private readonly pending: Message[] = [];
  private closedResolve!: () => void;
  /** Resolves when the stream is closed (client gone, or shutdown). */
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve));

  constructor(
    private readonly hub: MarketStreamHub,
    readonly request: StreamRequest,
    bufferPerInstrument: number,
  ) {
    this.mailbox = new ConflatingMailbox<Message>({ maxDiffsPerKey: bufferPerInstrument });
  }

  wants(kind: marketDataV1.MarketDataKind): boolean {
    return this.request.kinds.size === 0 || this.request.kinds.has(kind);
  }

  follow(instrumentId: string, lastTrade: eventsV1.TradeEvent | undefined): Followed {
    const f: Followed = {
      instrumentId,
      quoteKey: `${instrumentId}\u0000q`,
      tradeKey: `${instrumentId}\u0000t`,
      depthKey: `${instrumentId}\u0000d`,
      depthSynced: false,
      lastTrade,
    };
    this.followed.set(instrumentId, f);
    for (const key of [f.quoteKey, f.tradeKey, f.depthKey]) this.byKey.set(key, f);
    return f;
  }

  state(instrumentId: string): Followed | undefined {
    return this.followed.get(instrumentId);
  }

  instruments(): IterableIterator<string> {
    return this.followed.keys();
  }

  /** The next message for the client; undefined once the stream is closed. */
  async next(): Promise<Message | undefined> {
    for (;;) {
      const queued = this.pending.shift();
      if (queued) return queued;
      const delivery = this.mailbox.take();
      if (delivery) {
        const f = this.byKey.get(delivery.key)!;
        if (delivery.kind === 'update') {
          if (delivery.value.trade) f.lastTrade = delivery.value.trade;
          return delivery.value;
        }
        this.resync(f, delivery.key);
        continue;
      }
      try {
        await this.mailbox.waitForWork();
      } catch (err) {
        if (err instanceof MailboxClosedError) return undefined;
        throw err;
      }
    }
  }

  close(): void {
    if (this.mailbox.isClosed) return;
    this.mailbox.close();
    this.hub.release(this);
    this.closedResolve();
  }

  private resync(f: Followed, key: string): void {
    if (key === f.depthKey) {
      const snapshot = this.hub.source.snapshot(f.instrumentId, this.request.depth);
      // A book that is not live will publish a snapshot when it recovers; the stream waits for it.
      f.depthSynced = snapshot !== undefined;
      if (snapshot) this.pending.push({ depth: snapshot });
      return;
    }
    const missed = this.hub.tradesAfter(f.instrumentId, f.lastTrade);
    if (missed === undefined) {
      this.close();
      throw new StreamFellBehindError(
        `stream fell behind the recent trades of ${f.instrumentId}; reopen it and backfill with ListTrades`,
      );
    }
    for (const trade of missed) this.pending.push({ trade });
    if (missed.length > 0) f.lastTrade = missed[missed.length - 1];
  }
}

/** In-process fan-out of the feed handler's outputs to the open StreamMarketData calls. */
export class MarketStreamHub {
  private readonly byInstrument = new Map<string, Set<MarketStream>>();
  private readonly windows = new Map<string, TradeWindow>();
  private readonly streams = new Set<MarketStream>();

  constructor(
    readonly source: BookSource,
    private readonly options: { bufferPerInstrument: number; tradeWindow?: number },
  ) {}

  get size(): number {
    return this.streams.size;
  }

  open(request: StreamRequest): MarketStream {
    const stream = new MarketStream(this, request, this.options.bufferPerInstrument);
    this.streams.add(stream);
    for (const id of new Set(request.instrumentIds)) {
      let window = this.windows.get(id);
      if (!window) {
        window = new TradeWindow(
          this.options.tradeWindow ?? Math.max(1024, 4 * this.options.bufferPerInstrument),
        );
        this.windows.set(id, window);
      }
      window.followers++;
      const f = stream.follow(id, window.last);
      let set = this.byInstrument.get(id);
      if (!set) this.byInstrument.set(id, (set = new Set()));
      set.add(stream);
      if (stream.wants(MARKET_DATA_KIND_DEPTH)) {
        const snapshot = this.source.snapshot(id, request.depth);
        if (snapshot) {
          f.depthSynced = true;
          stream.mailbox.publishDiff(f.depthKey, { depth: snapshot });
        }
      }
    }
    return stream;
  }

  quote(e: eventsV1.QuoteEvent): void {
    const set = this.byInstrument.get(e.instrumentId);
    if (!set) return;
    const message = { quote: e };
    for (const s of set) {
      if (s.wants(MARKET_DATA_KIND_QUOTES))
        s.mailbox.publishLatest(s.state(e.instrumentId)!.quoteKey, message);
    }
  }

  trade(e: eventsV1.TradeEvent): void {
    const set = this.byInstrument.get(e.instrumentId);
    if (!set) return;
    this.windows.get(e.instrumentId)!.push(e);
    const message = { trade: e };
    for (const s of set) {
      if (s.wants(MARKET_DATA_KIND_TRADES)) s.mailbox.publishDiff(s.state(e.instrumentId)!.tradeKey, message);
    }
  }

  depth(e: eventsV1.DepthEvent): void {
    const set = this.byInstrument.get(e.instrumentId);
    if (!set) return;
    // Diffs chain per book: streams follow one venue's book per instrument.
    if (e.venue !== this.source.bookVenue(e.instrumentId)) return;
    const isSnapshot = e.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT;
    for (const s of set) {
      if (!s.wants(MARKET_DATA_KIND_DEPTH)) continue;
      const f = s.state(e.instrumentId)!;
      if (!f.depthSynced) {
        // Until a snapshot went out, a diff has nothing to chain to.
        if (!isSnapshot) continue;
        f.depthSynced = true;
      }
      s.mailbox.publishDiff(f.depthKey, { depth: isSnapshot ? truncate(e, s.request.depth) : e });
    }
  }

  tradesAfter(
    instrumentId: string,
    last: eventsV1.TradeEvent | undefined,
  ): eventsV1.TradeEvent[] | undefined {
    return this.windows.get(instrumentId)?.after(last);
  }

  /** Ends every stream (shutdown): each call completes after what it already took. */
  closeAll(): void {
    for (const s of [...this.streams]) s.close();
  }

  release(stream: MarketStream): void {
    if (!this.streams.delete(stream)) return;
    for (const id of stream.instruments()) {
      const set = this.byInstrument.get(id);
      set?.delete(stream);
      if (set?.size === 0) this.byInstrument.delete(id);
      const window = this.windows.get(id);
      if (window && --window.followers === 0) this.windows.delete(id);
    }
  }
}

function truncate(e: eventsV1.DepthEvent, depth: number): eventsV1.DepthEvent {
  if (e.bids.length <= depth && e.asks.length <= depth) return e;
  return { ...e, bids: e.bids.slice(0, depth), asks: e.asks.slice(0, depth) };
}
