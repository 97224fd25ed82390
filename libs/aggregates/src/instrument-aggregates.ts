import type { eventsV1 } from '@tapeline/contracts';
import { type FixedPoint, rescale } from '@tapeline/fixed-point';
import {
  type Bar,
  BarSeries,
  type BarSeriesSpec,
  type BarSeriesState,
  type EmptyBarPolicy,
} from './bar-series';
import { MICROS_PER_DAY } from './bar-type';
import {
  type DepthHeatmapSpec,
  type DepthHeatmapState,
  type DepthLevel,
  DepthHeatmap,
  type HeatmapColumn,
} from './depth-heatmap';
import { AggregateError } from './errors';
import { MAX_SAFE, requireSafe } from './exact';
import { type VolumeProfileResult, type VolumeProfileSpec, VolumeProfile } from './volume-profile';
import { type RollingVwapState, type VwapState, type VwapValue, RollingVwap, VwapAccumulator } from './vwap';

/** Aggressor side codes: the values of commonV1.Side (FIX tag 54: 1 buy, 2 sell). */
export const AGGRESSOR_UNKNOWN = 0;
export const AGGRESSOR_BUY = 1;
export const AGGRESSOR_SELL = 2;

export interface InstrumentAggregatesSpec {
  instrumentId: string;
  priceScale: number;
  sizeScale: number;
  /** Tick size as a price mantissa at priceScale, or as a FixedPoint (e.g. from the symbol service). */
  tickSize: number | FixedPoint;
  /** UTC start of the trading session as µs after midnight (default 0: sessions are UTC days). */
  sessionStartMicrosOfDay?: number;
  bars?: BarSeriesSpec[];
  /** See EmptyBarPolicy: 'flat' (default) or 'skip', and the longest gap filled (default 3600 bars). */
  emptyBars?: 'flat' | 'skip';
  maxEmptyBarsPerGap?: number;
  /** Rolling VWAP windows in seconds, e.g. [60, 300]. */
  rollingVwapSeconds?: number[];
  /** Session volume profile (default on: 1-tick rows, 70 % value area); false turns it off. */
  profile?: VolumeProfileSpec | false;
  /** Depth heatmap from the `depth` topic; absent or false: off. */
  heatmap?: DepthHeatmapSpec | false;
}

export interface SessionSummary {
  instrumentId: string;
  sessionStartMicros: number;
  sessionEndMicros: number;
  vwap: VwapValue | null;
  cumulativeDelta: number;
  profile: VolumeProfileResult | null;
}

/** Where results go. Callbacks run synchronously inside the call that produced them. */
export interface AggregatesSinks {
  onBar?(bar: Bar): void;
  onSessionClose?(summary: SessionSummary): void;
  onHeatmapColumn?(column: HeatmapColumn): void;
}

export interface AggregatesStats {
  trades: number;
  /** Trades ignored because their sequence was not above the last applied one (redeliveries). */
  duplicateTrades: number;
  /** Trades stamped before the watermark, attributed to the forming bars at the watermark time. */
  lateTrades: number;
  /** Trades without an aggressor side, classified from the quote or the tick rule. */
  inferredSides: number;
}

/** Plain JSON-able state of everything forming (version 1). */
export interface InstrumentAggregatesState {
  version: 1;
  instrumentId: string;
  lastSequence: number;
  watermarkMicros: number | null;
  sessionStartMicros: number | null;
  cumulativeDelta: number;
  lastPrice: number | null;
  lastBuy: boolean;
  quote: { sequence: number; bid: number; ask: number };
  stats: AggregatesStats;
  series: BarSeriesState[];
  sessionVwap: VwapState;
  anchoredVwaps: { id: string; anchorMicros: number; vwap: VwapState }[];
  rollingVwaps: RollingVwapState[];
  profile: number[] | null;
  heatmap: DepthHeatmapState | null;
}

type TradeEventInput = Pick<
  eventsV1.TradeEvent,
  | 'instrumentId'
  | 'sequence'
  | 'priceScale'
  | 'sizeScale'
  | 'price'
  | 'size'
  | 'aggressorSide'
  | 'exchangeTimeMicros'
  | 'receiveTimeMicros'
>;
type QuoteEventInput = Pick<
  eventsV1.QuoteEvent,
  | 'instrumentId'
  | 'sequence'
  | 'priceScale'
  | 'sizeScale'
  | 'bidPrice'
  | 'askPrice'
  | 'exchangeTimeMicros'
  | 'receiveTimeMicros'
>;
type DepthEventInput = Pick<
  eventsV1.DepthEvent,
  | 'instrumentId'
  | 'sequence'
  | 'previousSequence'
  | 'kind'
  | 'priceScale'
  | 'sizeScale'
  | 'bids'
  | 'asks'
  | 'exchangeTimeMicros'
  | 'receiveTimeMicros'
>;

const DEPTH_KIND_SNAPSHOT = 1; // eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT
const DEPTH_KIND_DIFF = 2;

/**
 * Every order-flow aggregate of one instrument, fed from the `trades`, `quotes` and `depth` topics:
 * bar series (time/tick/volume/range, each optionally with footprint and delta divergence),
 * cumulative delta, session / anchored / rolling VWAP with bands, session volume profile, depth
 * heatmap. Prices and sizes are `number` mantissas at the instrument's scales, checked with
 * Number.isSafeInteger as they enter (int64 beyond 2^53 is refused with UNSAFE_INTEGER).
 *
 * Ordering and idempotency: trades must come in (time, sequence) order, as one Kafka key delivers
 * them. A trade whose sequence is <= the last applied one is ignored (returns false), so replaying
 * a partition after a crash never double-counts. Time only moves forward: bars close when a trade
 * or advanceTo() reaches their end (advanceTo(t) means "nothing earlier than t will come"), and a
 * trade stamped before that watermark is counted in the bars forming at the watermark (lateTrades).
 *
 * Sessions start each UTC day at sessionStartMicrosOfDay; cumulative delta, the session VWAP, the
 * session profile and divergence memory restart there, and onSessionClose reports the session.
 */
export class InstrumentAggregates {
  readonly instrumentId: string;
  readonly priceScale: number;
  readonly sizeScale: number;
  /** Tick size as a price mantissa. */
  readonly tickSize: number;
  readonly sessionStartMicrosOfDay: number;
  readonly stats: AggregatesStats = { trades: 0, duplicateTrades: 0, lateTrades: 0, inferredSides: 0 };
  private readonly series: BarSeries[];
  private readonly sessionVwap = new VwapAccumulator();
  private readonly anchored: { id: string; anchorMicros: number; vwap: VwapAccumulator }[] = [];
  private readonly rolling: RollingVwap[];
  private readonly profile: VolumeProfile | null;
  private readonly heatmap: DepthHeatmap | null;
  private lastSequence = -1;
  private watermark = -Infinity;
  private sessionStart = NaN;
  private nextSessionStart = NaN;
  private cd = 0;
  private lastPrice = NaN;
  private lastBuy = true;
  private quoteSequence = -1;
  private bid = 0;
  private ask = 0;

  constructor(
    spec: InstrumentAggregatesSpec,
    private readonly sinks: AggregatesSinks = {},
  ) {
    this.instrumentId = spec.instrumentId;
    this.priceScale = spec.priceScale;
    this.sizeScale = spec.sizeScale;
    this.tickSize = tickMantissa(spec.tickSize, spec.priceScale);
    this.sessionStartMicrosOfDay = spec.sessionStartMicrosOfDay ?? 0;
    const s = this.sessionStartMicrosOfDay;
    if (!Number.isSafeInteger(s) || s < 0 || s >= MICROS_PER_DAY) {
      throw new AggregateError(
        'INVALID_SPEC',
        `session start must be 0..86399999999 µs after midnight, got ${s}`,
      );
    }
    const policy: EmptyBarPolicy = {
      emptyBars: spec.emptyBars ?? 'flat',
      maxEmptyBarsPerGap: spec.maxEmptyBarsPerGap ?? 3600,
    };
    const onBar = (bar: Bar): void => this.sinks.onBar?.(bar);
    this.series = (spec.bars ?? []).map(
      (b) => new BarSeries(this.instrumentId, this.tickSize, b, policy, onBar),
    );
    const names = this.series.map((x) => x.barType);
    if (new Set(names).size !== names.length) {
      throw new AggregateError('INVALID_SPEC', `bar types repeat: ${names.join(', ')}`);
    }
    this.rolling = (spec.rollingVwapSeconds ?? []).map((seconds) => new RollingVwap(seconds));
    this.profile = spec.profile === false ? null : new VolumeProfile(this.tickSize, spec.profile ?? {});
    this.heatmap = spec.heatmap
      ? new DepthHeatmap(this.tickSize, spec.heatmap, (c) => this.sinks.onHeatmapColumn?.(c))
      : null;
  }

  /** Rebuilds an instance from snapshot() output, with the same spec it was taken under. */
  static restore(
    spec: InstrumentAggregatesSpec,
    state: InstrumentAggregatesState,
    sinks: AggregatesSinks = {},
  ): InstrumentAggregates {
    const a = new InstrumentAggregates(spec, sinks);
    a.load(state);
    return a;
  }

  get cumulativeDelta(): number {
    return this.cd;
  }

  get barTypes(): string[] {
    return this.series.map((s) => s.barType);
  }

  /**
   * One trade (the hot path). `aggressor`: AGGRESSOR_BUY, AGGRESSOR_SELL, or AGGRESSOR_UNKNOWN —
   * then the side is inferred: at or above the last ask buy, at or below the bid sell, else by the
   * side of the mid, and at the mid or without a quote by the tick rule (uptick buy, downtick sell,
   * unchanged: as the previous trade; the very first such trade counts as a buy).
   * Returns false when the trade was already applied (sequence not above the last one).
   */
  onTrade(timeMicros: number, sequence: number, price: number, size: number, aggressor: number): boolean {
    if (!(
      Number.isSafeInteger(timeMicros) &&
      Number.isSafeInteger(sequence) &&
      Number.isSafeInteger(price) &&
      Number.isSafeInteger(size)
    )) {
      this.rejectUnsafe(timeMicros, sequence, price, size);
    }
    if (size <= 0)
      throw new AggregateError('NON_POSITIVE_SIZE', `${this.instrumentId} trade ${sequence}: size ${size}`);
    if (price % this.tickSize !== 0) {
      throw new AggregateError(
        'OFF_TICK_PRICE',
        `${this.instrumentId} trade ${sequence}: price ${price} is not a multiple of tick ${this.tickSize}`,
      );
    }
    if (aggressor !== AGGRESSOR_BUY && aggressor !== AGGRESSOR_SELL && aggressor !== AGGRESSOR_UNKNOWN) {
      throw new AggregateError(
        'INVALID_SIDE',
        `${this.instrumentId} trade ${sequence}: aggressor side ${aggressor}`,
      );
    }
    if (sequence <= this.lastSequence) {
      this.stats.duplicateTrades++;
      return false;
    }
    let time = timeMicros;
    if (time < this.watermark) {
      time = this.watermark;
      this.stats.lateTrades++;
    } else this.advance(time);
    const buy =
      aggressor === AGGRESSOR_BUY ? true : aggressor === AGGRESSOR_SELL ? false : this.inferSide(price);
    this.lastSequence = sequence;
    this.lastPrice = price;
    this.lastBuy = buy;
    this.sessionVwap.add(price, size);
    const cd = (this.cd += buy ? size : -size);
    const series = this.series;
    for (let i = 0; i < series.length; i++) series[i]!.apply(time, price, size, buy, cd);
    const anchored = this.anchored;
    for (let i = 0; i < anchored.length; i++) {
      if (time >= anchored[i]!.anchorMicros) anchored[i]!.vwap.add(price, size);
    }
    const rolling = this.rolling;
    for (let i = 0; i < rolling.length; i++) rolling[i]!.add(time, price, size);
    if (this.profile !== null) this.profile.add(price, size, buy);
    this.stats.trades++;
    return true;
  }

  /** A `trades` topic event (exchange time, or receive time when the venue gave none). */
  onTradeEvent(e: TradeEventInput): boolean {
    this.checkEvent(e.instrumentId, e.priceScale, e.sizeScale, 'trade');
    return this.onTrade(
      eventTime(e),
      wireInt('trade sequence', e.sequence),
      wireInt('trade price', e.price),
      wireInt('trade size', e.size),
      e.aggressorSide,
    );
  }

  /** Top of book, used to infer the aggressor of trades that come without one. False if stale. */
  onQuote(timeMicros: number, sequence: number, bidPrice: number, askPrice: number): boolean {
    requireSafe('quote sequence', sequence);
    requireSafe('quote bid', bidPrice);
    requireSafe('quote ask', askPrice);
    if (sequence <= this.quoteSequence) return false;
    this.quoteSequence = sequence;
    this.bid = bidPrice;
    this.ask = askPrice;
    this.advanceTo(timeMicros);
    return true;
  }

  onQuoteEvent(e: QuoteEventInput): boolean {
    this.checkEvent(e.instrumentId, e.priceScale, e.sizeScale, 'quote');
    return this.onQuote(
      eventTime(e),
      wireInt('quote sequence', e.sequence),
      wireInt('bid price', e.bidPrice),
      wireInt('ask price', e.askPrice),
    );
  }

  /** A full book at a sample time (bids best first, asks best first; [price, size] mantissas). */
  onBookSnapshot(
    timeMicros: number,
    sequence: number,
    bids: readonly DepthLevel[],
    asks: readonly DepthLevel[],
  ): boolean {
    if (this.heatmap === null) return false;
    requireSafe('depth time', timeMicros);
    this.advanceTo(timeMicros);
    return this.heatmap.applySnapshot(
      Math.max(timeMicros, this.watermark),
      requireSafe('depth sequence', sequence),
      bids,
      asks,
    );
  }

  /** A `depth` topic event: SNAPSHOT replaces the book, DIFF must follow the last sequence (else SEQUENCE_GAP). */
  onDepthEvent(e: DepthEventInput): boolean {
    if (this.heatmap === null) return false;
    this.checkEvent(e.instrumentId, e.priceScale, e.sizeScale, 'depth');
    const time = eventTime(e);
    const sequence = wireInt('depth sequence', e.sequence);
    const levels = (side: { price: string; size: string }[], name: string): DepthLevel[] =>
      side.map((l) => [wireInt(`${name} price`, l.price), wireInt(`${name} size`, l.size)] as const);
    const bids = levels(e.bids, 'bid');
    const asks = levels(e.asks, 'ask');
    if (e.kind === DEPTH_KIND_SNAPSHOT) return this.onBookSnapshot(time, sequence, bids, asks);
    if (e.kind !== DEPTH_KIND_DIFF) {
      throw new AggregateError(
        'UNSUPPORTED_DEPTH_KIND',
        `${this.instrumentId} depth ${sequence}: kind ${e.kind}`,
      );
    }
    this.advanceTo(time);
    const previous = wireInt('depth previous sequence', e.previousSequence);
    return this.heatmap.applyDiff(Math.max(time, this.watermark), sequence, previous, bids, asks);
  }

  /**
   * Moves time forward to `timeMicros` without a trade (from a clock or a watermark): closes the
   * time bars, heatmap columns and sessions that end at or before it. Earlier times are no-ops.
   */
  advanceTo(timeMicros: number): void {
    requireSafe('advance time', timeMicros);
    if (timeMicros > this.watermark) this.advance(timeMicros);
  }

  private advance(time: number): void {
    if (this.sessionStart !== this.sessionStart) this.startSession(time);
    const series = this.series;
    while (time >= this.nextSessionStart) {
      for (let i = 0; i < series.length; i++) series[i]!.advance(this.nextSessionStart, this.cd);
      this.closeSession();
      this.startSession(this.nextSessionStart);
    }
    for (let i = 0; i < series.length; i++) series[i]!.advance(time, this.cd);
    const rolling = this.rolling;
    for (let i = 0; i < rolling.length; i++) rolling[i]!.advanceTo(time);
    if (this.heatmap !== null) this.heatmap.advanceTo(time);
    this.watermark = time;
  }

  private startSession(time: number): void {
    const off = this.sessionStartMicrosOfDay;
    this.sessionStart = Math.floor((time - off) / MICROS_PER_DAY) * MICROS_PER_DAY + off;
    this.nextSessionStart = this.sessionStart + MICROS_PER_DAY;
  }

  private closeSession(): void {
    if (this.sessionVwap.volume > 0) {
      this.sinks.onSessionClose?.({
        instrumentId: this.instrumentId,
        sessionStartMicros: this.sessionStart,
        sessionEndMicros: this.nextSessionStart,
        vwap: this.sessionVwap.read(),
        cumulativeDelta: this.cd,
        profile: this.profile === null ? null : this.profile.read(),
      });
    }
    this.cd = 0;
    this.sessionVwap.reset();
    this.profile?.clear();
    for (const s of this.series) s.sessionStarted(0);
  }

  private inferSide(price: number): boolean {
    this.stats.inferredSides++;
    const bid = this.bid;
    const ask = this.ask;
    if (this.quoteSequence >= 0 && ask > bid) {
      if (price >= ask) return true;
      if (price <= bid) return false;
      const twice = 2 * price;
      if (twice !== bid + ask) return twice > bid + ask;
    }
    if (price > this.lastPrice) return true;
    if (price < this.lastPrice) return false;
    return this.lastBuy;
  }

  /** The bar forming now in a series (closed = false), or null before its first trade. */
  formingBar(barType: string): Bar | null {
    return this.seriesOf(barType).forming(this.cd);
  }

  sessionVwapValue(): VwapValue | null {
    return this.sessionVwap.read();
  }

  /** Starts a VWAP anchored at `anchorMicros`: it takes the trades at or after the anchor from now on. */
  addAnchoredVwap(id: string, anchorMicros: number): void {
    requireSafe('anchor time', anchorMicros);
    if (this.anchored.some((a) => a.id === id)) {
      throw new AggregateError('INVALID_SPEC', `${this.instrumentId}: anchored VWAP "${id}" exists`);
    }
    this.anchored.push({ id, anchorMicros, vwap: new VwapAccumulator() });
  }

  removeAnchoredVwap(id: string): boolean {
    const i = this.anchored.findIndex((a) => a.id === id);
    if (i >= 0) this.anchored.splice(i, 1);
    return i >= 0;
  }

  anchoredVwapValue(id: string): VwapValue | null {
    const a = this.anchored.find((x) => x.id === id);
    if (!a) throw new AggregateError('INVALID_SPEC', `${this.instrumentId}: no anchored VWAP "${id}"`);
    return a.vwap.read();
  }

  rollingVwapValue(seconds: number): VwapValue | null {
    const r = this.rolling.find((x) => x.seconds === seconds);
    if (!r) throw new AggregateError('INVALID_SPEC', `${this.instrumentId}: no rolling VWAP of ${seconds} s`);
    return r.read();
  }

  sessionProfile(): VolumeProfileResult | null {
    return this.profile === null ? null : this.profile.read();
  }

  snapshot(): InstrumentAggregatesState {
    const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      version: 1,
      instrumentId: this.instrumentId,
      lastSequence: this.lastSequence,
      watermarkMicros: orNull(this.watermark),
      sessionStartMicros: orNull(this.sessionStart),
      cumulativeDelta: this.cd,
      lastPrice: orNull(this.lastPrice),
      lastBuy: this.lastBuy,
      quote: { sequence: this.quoteSequence, bid: this.bid, ask: this.ask },
      stats: { ...this.stats },
      series: this.series.map((s) => s.snapshot()),
      sessionVwap: this.sessionVwap.snapshot(),
      anchoredVwaps: this.anchored.map((a) => ({
        id: a.id,
        anchorMicros: a.anchorMicros,
        vwap: a.vwap.snapshot(),
      })),
      rollingVwaps: this.rolling.map((r) => r.snapshot()),
      profile: this.profile === null ? null : this.profile.dump(),
      heatmap: this.heatmap === null ? null : this.heatmap.snapshot(),
    };
  }

  private load(s: InstrumentAggregatesState): void {
    if (s.version !== 1 || s.instrumentId !== this.instrumentId) {
      throw new AggregateError(
        'INVALID_SNAPSHOT',
        `snapshot v${s.version} of ${s.instrumentId} cannot restore ${this.instrumentId} (v1)`,
      );
    }
    if (s.series.length !== this.series.length || s.rollingVwaps.length !== this.rolling.length) {
      throw new AggregateError(
        'INVALID_SNAPSHOT',
        `${this.instrumentId}: snapshot was taken under another spec`,
      );
    }
    this.lastSequence = s.lastSequence;
    this.watermark = s.watermarkMicros ?? -Infinity;
    if (s.sessionStartMicros !== null) this.startSession(s.sessionStartMicros);
    this.cd = s.cumulativeDelta;
    this.lastPrice = s.lastPrice ?? NaN;
    this.lastBuy = s.lastBuy;
    this.quoteSequence = s.quote.sequence;
    this.bid = s.quote.bid;
    this.ask = s.quote.ask;
    Object.assign(this.stats, s.stats);
    s.series.forEach((x, i) => this.series[i]!.restore(x));
    this.sessionVwap.restore(s.sessionVwap);
    for (const a of s.anchoredVwaps) {
      this.addAnchoredVwap(a.id, a.anchorMicros);
      this.anchored[this.anchored.length - 1]!.vwap.restore(a.vwap);
    }
    s.rollingVwaps.forEach((r, i) => this.rolling[i]!.restore(r));
    if (this.profile !== null) this.profile.load(s.profile ?? []);
    if (this.heatmap !== null && s.heatmap !== null) this.heatmap.restore(s.heatmap);
  }

  private seriesOf(barType: string): BarSeries {
    const s = this.series.find((x) => x.barType === barType);
    if (!s) {
      throw new AggregateError(
        'INVALID_BAR_TYPE',
        `${this.instrumentId} has no ${barType} bars (has ${this.barTypes.join(', ')})`,
      );
    }
    return s;
  }

  private checkEvent(instrumentId: string, priceScale: number, sizeScale: number, what: string): void {
    if (instrumentId !== this.instrumentId) {
      throw new AggregateError(
        'INSTRUMENT_MISMATCH',
        `${what} for ${instrumentId} given to ${this.instrumentId}`,
      );
    }
    if (priceScale !== this.priceScale || sizeScale !== this.sizeScale) {
      throw new AggregateError(
        'SCALE_MISMATCH',
        `${this.instrumentId} ${what} has scales ${priceScale}/${sizeScale}, expected ${this.priceScale}/${this.sizeScale}`,
      );
    }
  }

  private rejectUnsafe(time: number, sequence: number, price: number, size: number): never {
    requireSafe(`${this.instrumentId} trade time`, time);
    requireSafe(`${this.instrumentId} trade sequence`, sequence);
    requireSafe(`${this.instrumentId} trade price`, price);
    requireSafe(`${this.instrumentId} trade size`, size);
    throw new AggregateError('UNSAFE_INTEGER', `${this.instrumentId} trade ${sequence}`);
  }
}

function tickMantissa(tick: number | FixedPoint, priceScale: number): number {
  const mantissa = typeof tick === 'number' ? tick : Number(rescale(tick, priceScale).mantissa);
  if (!Number.isSafeInteger(mantissa) || mantissa < 1 || mantissa > MAX_SAFE) {
    throw new AggregateError(
      'INVALID_SPEC',
      `tick size must be a positive mantissa at the price scale, got ${mantissa}`,
    );
  }
  return mantissa;
}

/** An int64 decimal string off the wire as a number, refusing what a double cannot hold exactly. */
function wireInt(what: string, text: string): number {
  const n = text === '' ? NaN : Number(text);
  return requireSafe(what, n);
}

function eventTime(e: { exchangeTimeMicros: string; receiveTimeMicros: string }): number {
  const exchange = wireInt('exchange time', e.exchangeTimeMicros);
  return exchange > 0 ? exchange : wireInt('receive time', e.receiveTimeMicros);
}
