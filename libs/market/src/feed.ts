// The feed adapter port: every venue feed (simulated, file replay, exchange websocket, FIX market
// data) emits raw venue events through this one interface. Raw events still carry the venue's own
// symbol and decimal strings exactly as the venue sent them; the Normaliser resolves symbols to
// instrument ids and converts prices/sizes to the instrument's fixed-point scale, so no adapter
// ever rounds or guesses.

export type AggressorSide = 'buy' | 'sell' | 'unknown';

/** [price, size] as the venue's decimal strings. Size "0" in a diff removes the level. */
export type RawLevel = readonly [price: string, size: string];

interface RawBase {
  readonly venue: string;
  /** Venue symbol, e.g. "BTCUSDT"; resolved through the symbol service. */
  readonly symbol: string;
  /** Exchange timestamp, UTC microseconds since the epoch. */
  readonly exchangeTimeMicros: bigint;
  /** When the adapter received the frame, UTC microseconds since the epoch. */
  readonly receiveTimeMicros: bigint;
}

export interface RawTrade extends RawBase {
  readonly type: 'trade';
  readonly tradeId: string;
  readonly price: string;
  readonly size: string;
  readonly aggressor: AggressorSide;
}

export interface RawQuote extends RawBase {
  readonly type: 'quote';
  readonly bidPrice: string;
  readonly bidSize: string;
  readonly askPrice: string;
  readonly askSize: string;
}

export interface RawDepth extends RawBase {
  readonly type: 'depth';
  readonly kind: 'snapshot' | 'diff';
  /** Venue sequence number of this update (for a snapshot: the last update it includes). */
  readonly sequence: bigint;
  /** For a diff: the sequence the book must be at before applying it (first - 1 if the venue gives a range). */
  readonly previousSequence?: bigint;
  readonly bids: readonly RawLevel[];
  readonly asks: readonly RawLevel[];
}

export type RawMarketEvent = RawTrade | RawQuote | RawDepth;

/** Connection-level facts an adapter reports besides data (for alerts, health and metrics). */
export type FeedStatus =
  | { readonly state: 'connected'; readonly venue: string }
  | { readonly state: 'disconnected'; readonly venue: string; readonly reason: string }
  | {
      readonly state: 'reconnecting';
      readonly venue: string;
      readonly attempt: number;
      readonly delayMs: number;
    };

/** A frame the adapter could not turn into a RawMarketEvent: reported with the reason, never thrown. */
export interface MalformedFrame {
  readonly venue: string;
  readonly reason: string;
  /** The offending frame, truncated by the adapter to a loggable size. */
  readonly frame: string;
  readonly receiveTimeMicros: bigint;
  /** 1-based line of the frame in its source, when it came from a file (replay). */
  readonly line?: number;
}

export interface FeedSink {
  onEvent(event: RawMarketEvent): void;
  onMalformed(frame: MalformedFrame): void;
  onStatus(status: FeedStatus): void;
}

export interface FeedAdapter {
  readonly venue: string;
  /** Connects (or opens the file / starts the simulation) and begins delivering to the sink. */
  start(sink: FeedSink): Promise<void>;
  /** Stops delivering; resolves once no more callbacks will be made. */
  stop(): Promise<void>;
  /**
   * Asks the venue for a fresh depth snapshot of one symbol, after the book builder found a
   * sequence gap. The snapshot arrives through the sink like any other depth event.
   */
  requestSnapshot(symbol: string): Promise<void>;
}
