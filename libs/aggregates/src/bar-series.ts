import type { eventsV1 } from '@tapeline/contracts';
import { type BarKind, formatBarType, parseBarType } from './bar-type';
import { DeltaDivergence, type DivergenceState } from './delta-divergence';
import { AggregateError } from './errors';
import { ExactSum, addVolume, averagePrice } from './exact';
import { type FootprintBar, FootprintBuilder, type FootprintSpec } from './footprint';

/** A bar of one series. Prices are price-scale mantissas, volumes size-scale mantissas, times UTC µs. */
export interface Bar {
  instrumentId: string;
  barType: string;
  /** Time bars: the window [open, close) on the UTC grid. Other bars: first and last trade times. */
  openTimeMicros: number;
  closeTimeMicros: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  buyVolume: number;
  sellVolume: number;
  tradeCount: number;
  /** Bar VWAP, rounded half-even; the close for an empty bar. */
  vwap: number;
  /** buyVolume - sellVolume. */
  delta: number;
  /** Session cumulative delta at the bar's end, and its extremes inside the bar. */
  cumulativeDelta: number;
  cumulativeDeltaHigh: number;
  cumulativeDeltaLow: number;
  /** See DeltaDivergence; false on forming bars and when the series has no lookback. */
  bearishDivergence: boolean;
  bullishDivergence: boolean;
  /** Present when the series keeps footprints. */
  footprint: FootprintBar | null;
  closed: boolean;
}

export interface BarSeriesSpec {
  /** BarEvent.bar_type text: "1s", "1m", "1h", "1d", "tick:100", "volume:5000", "range:25". */
  barType: string;
  /** Keep a footprint per bar (true = default footprint settings). */
  footprint?: boolean | FootprintSpec;
  /** Delta divergence lookback in bars (0 or absent: off). */
  divergenceLookback?: number;
}

/**
 * Empty time windows. 'flat' (default) emits a bar at the previous close with zero volume, zero
 * trades and VWAP = close for every window in which nothing traded: an order-flow desk reads "no
 * volume in this second" as information, and a continuous time axis keeps time-based indicators
 * and charts aligned. Before the first trade there is no close to repeat, so nothing is emitted.
 * A gap longer than maxEmptyBarsPerGap windows (a halt, a weekend, a restart after long downtime)
 * is skipped whole rather than filled. 'skip' never emits empty bars.
 */
export interface EmptyBarPolicy {
  emptyBars: 'flat' | 'skip';
  maxEmptyBarsPerGap: number;
}

/** The running figures of a forming bar, shared by Bar and the snapshot. */
type FormingFigures = Pick<
  Bar,
  | 'open'
  | 'high'
  | 'low'
  | 'close'
  | 'volume'
  | 'buyVolume'
  | 'sellVolume'
  | 'tradeCount'
  | 'cumulativeDelta'
  | 'cumulativeDeltaHigh'
  | 'cumulativeDeltaLow'
>;

export interface BarSeriesState extends FormingFigures {
  barType: string;
  openTimeMicros: number | null;
  closeTimeMicros: number | null;
  notional: string;
  previousClose: number | null;
  footprint: number[] | null;
  divergence: DivergenceState | null;
}

const TIME = 0;
const TICK = 1;
const VOLUME = 2;
const RANGE = 3;

/**
 * One bar series of one instrument (e.g. its 1-minute bars). The forming bar lives in plain number
 * fields, so a trade costs a few comparisons and additions; a closed bar is the only allocation.
 */
export class BarSeries {
  readonly barType: string;
  readonly kind: BarKind;
  private readonly k: number;
  private readonly param: number;
  private readonly footprint: FootprintBuilder | null;
  private readonly divergence: DeltaDivergence | null;
  // Forming bar.
  private openTime = NaN;
  private closeTime = NaN;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private buyVolume = 0;
  private sellVolume = 0;
  private trades = 0;
  /** sum(size * (price - open)): the bar's notional relative to its open, exact. */
  private readonly notional = new ExactSum();
  private cdHigh = 0;
  private cdLow = 0;
  private cd = 0;
  private previousClose = NaN;

  constructor(
    readonly instrumentId: string,
    tickSize: number,
    spec: BarSeriesSpec,
    private readonly policy: EmptyBarPolicy,
    private readonly sink: (bar: Bar) => void,
  ) {
    this.kind = parseBarType(spec.barType);
    this.barType = formatBarType(this.kind);
    const k = this.kind;
    [this.k, this.param] =
      k.kind === 'time'
        ? [TIME, k.frameMicros]
        : k.kind === 'tick'
          ? [TICK, k.trades]
          : k.kind === 'volume'
            ? [VOLUME, k.volume]
            : [RANGE, k.ticks * tickSize];
    this.footprint = spec.footprint
      ? new FootprintBuilder(tickSize, spec.footprint === true ? {} : spec.footprint)
      : null;
    this.divergence = spec.divergenceLookback ? new DeltaDivergence(spec.divergenceLookback) : null;
  }

  /** Closes the time windows that end at or before `time`; `cd` is the cumulative delta now. */
  advance(time: number, cd: number): void {
    if (this.k !== TIME || !(time >= this.closeTime)) return;
    const frame = this.param;
    const nextOpen = Math.floor(time / frame) * frame;
    let start = this.openTime;
    let empties = (nextOpen - start) / frame;
    if (this.trades > 0) {
      this.emit();
      start += frame;
      empties--;
    }
    if (this.policy.emptyBars === 'flat' && empties <= this.policy.maxEmptyBarsPerGap) {
      for (let i = 0; i < empties; i++) this.emitEmpty(start + i * frame, start + (i + 1) * frame, cd);
    }
    this.openTime = nextOpen;
    this.closeTime = nextOpen + frame;
  }

  /** Adds a trade; `cd` is the session cumulative delta after it. advance(time) must come first. */
  apply(time: number, price: number, size: number, buy: boolean, cd: number): void {
    const k = this.k;
    if (k === RANGE && this.trades > 0) {
      const high = price > this.high ? price : this.high;
      const low = price < this.low ? price : this.low;
      if (high - low > this.param) this.emit();
    }
    if (this.trades === 0) {
      if (k === TIME) {
        if (this.openTime !== this.openTime) {
          this.openTime = Math.floor(time / this.param) * this.param;
          this.closeTime = this.openTime + this.param;
        }
      } else this.openTime = time;
      this.open = this.high = this.low = price;
      const before = buy ? cd - size : cd + size;
      this.cdHigh = this.cdLow = before;
    }
    if (price > this.high) this.high = price;
    else if (price < this.low) this.low = price;
    this.close = price;
    this.volume = addVolume(this.volume, size, this.barType);
    if (buy) this.buyVolume += size;
    else this.sellVolume += size;
    this.trades++;
    this.notional.addProduct(size, price - this.open);
    if (cd > this.cdHigh) this.cdHigh = cd;
    if (cd < this.cdLow) this.cdLow = cd;
    this.cd = cd;
    if (this.footprint !== null) this.footprint.add(price, size, buy);
    if (k !== TIME) {
      this.closeTime = time;
      if ((k === TICK && this.trades >= this.param) || (k === VOLUME && this.volume >= this.param))
        this.emit();
    }
  }

  /** Session start: cumulative delta restarts at `cd` (0), divergence memory is dropped. */
  sessionStarted(cd: number): void {
    this.divergence?.clear();
    this.cd = this.cdHigh = this.cdLow = cd;
  }

  /** The bar being formed (closed = false); for an empty time window, a flat bar; null before any trade. */
  forming(cd: number): Bar | null {
    if (this.trades > 0) return this.build(false);
    if (this.k !== TIME || this.previousClose !== this.previousClose || this.openTime !== this.openTime)
      return null;
    return this.flat(this.openTime, this.closeTime, cd, false);
  }

  private emit(): void {
    const bar = this.build(true);
    if (this.divergence !== null) {
      this.divergence.evaluate(bar.high, bar.low, bar.cumulativeDeltaHigh, bar.cumulativeDeltaLow);
      bar.bearishDivergence = this.divergence.bearish;
      bar.bullishDivergence = this.divergence.bullish;
    }
    this.footprint?.clear();
    this.previousClose = this.close;
    this.trades = 0;
    this.volume = this.buyVolume = this.sellVolume = 0;
    this.notional.clear();
    this.sink(bar);
  }

  private emitEmpty(openTime: number, closeTime: number, cd: number): void {
    const bar = this.flat(openTime, closeTime, cd, true);
    if (this.divergence !== null) {
      this.divergence.evaluate(bar.high, bar.low, cd, cd);
    }
    this.sink(bar);
  }

  private figures(): FormingFigures {
    return {
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      buyVolume: this.buyVolume,
      sellVolume: this.sellVolume,
      tradeCount: this.trades,
      cumulativeDelta: this.cd,
      cumulativeDeltaHigh: this.cdHigh,
      cumulativeDeltaLow: this.cdLow,
    };
  }

  private build(closed: boolean): Bar {
    return {
      instrumentId: this.instrumentId,
      barType: this.barType,
      openTimeMicros: this.openTime,
      closeTimeMicros: this.closeTime,
      ...this.figures(),
      vwap: averagePrice(this.open, this.notional, this.volume),
      delta: this.buyVolume - this.sellVolume,
      bearishDivergence: false,
      bullishDivergence: false,
      footprint: this.footprint === null ? null : this.footprint.read(this.close),
      closed,
    };
  }

  private flat(openTime: number, closeTime: number, cd: number, closed: boolean): Bar {
    const p = this.previousClose;
    return {
      instrumentId: this.instrumentId,
      barType: this.barType,
      openTimeMicros: openTime,
      closeTimeMicros: closeTime,
      open: p,
      high: p,
      low: p,
      close: p,
      volume: 0,
      buyVolume: 0,
      sellVolume: 0,
      tradeCount: 0,
      vwap: p,
      delta: 0,
      cumulativeDelta: cd,
      cumulativeDeltaHigh: cd,
      cumulativeDeltaLow: cd,
      bearishDivergence: false,
      bullishDivergence: false,
      footprint:
        this.footprint === null
          ? null
          : { rowSize: this.footprint.rowSize, levels: [], pocPrice: null, stackedImbalances: [] },
      closed,
    };
  }

  snapshot(): BarSeriesState {
    const orNull = (x: number): number | null => (x === x ? x : null);
    return {
      barType: this.barType,
      openTimeMicros: orNull(this.openTime),
      closeTimeMicros: orNull(this.closeTime),
      ...this.figures(),
      notional: this.notional.toJSON(),
      previousClose: orNull(this.previousClose),
      footprint: this.footprint === null ? null : this.footprint.dump(),
      divergence: this.divergence === null ? null : this.divergence.snapshot(),
    };
  }

  restore(s: BarSeriesState): void {
    if (s.barType !== this.barType) {
      throw new AggregateError(
        'INVALID_SNAPSHOT',
        `snapshot of series ${s.barType} given to series ${this.barType}`,
      );
    }
    this.openTime = s.openTimeMicros ?? NaN;
    this.closeTime = s.closeTimeMicros ?? NaN;
    this.open = s.open;
    this.high = s.high;
    this.low = s.low;
    this.close = s.close;
    this.volume = s.volume;
    this.buyVolume = s.buyVolume;
    this.sellVolume = s.sellVolume;
    this.trades = s.tradeCount;
    this.notional.load(s.notional);
    this.cdHigh = s.cumulativeDeltaHigh;
    this.cdLow = s.cumulativeDeltaLow;
    this.cd = s.cumulativeDelta;
    this.previousClose = s.previousClose ?? NaN;
    if (this.footprint !== null) this.footprint.load(s.footprint ?? []);
    if (this.divergence !== null && s.divergence !== null) this.divergence.restore(s.divergence);
  }
}

/**
 * The bus form of a bar: eventsV1.BarEvent, int64 fields as decimal strings (ts-proto's mapping).
 * The footprint levels go with closed bars only (the contract keeps forming updates small);
 * poc_price is the footprint's point of control, "0" when the series keeps no footprint or the bar
 * is empty. Delta and divergence are not BarEvent fields: GetDelta serves them from Bar.
 */
export function toBarEvent(bar: Bar, priceScale: number, sizeScale: number): eventsV1.BarEvent {
  const fp = bar.footprint;
  return {
    instrumentId: bar.instrumentId,
    barType: bar.barType,
    openTimeMicros: String(bar.openTimeMicros),
    closeTimeMicros: String(bar.closeTimeMicros),
    priceScale,
    sizeScale,
    open: String(bar.open),
    high: String(bar.high),
    low: String(bar.low),
    close: String(bar.close),
    volume: String(bar.volume),
    buyVolume: String(bar.buyVolume),
    sellVolume: String(bar.sellVolume),
    tradeCount: bar.tradeCount,
    vwap: String(bar.vwap),
    closed: bar.closed,
    footprint:
      fp === null || !bar.closed
        ? []
        : fp.levels.map((l) => ({
            price: String(l.price),
            bidVolume: String(l.bidVolume),
            askVolume: String(l.askVolume),
            bidTrades: l.bidTrades,
            askTrades: l.askTrades,
            askImbalance: l.buyImbalance,
            bidImbalance: l.sellImbalance,
          })),
    pocPrice: String(fp?.pocPrice ?? 0),
  };
}
