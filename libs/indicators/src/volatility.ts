import { checkFinite, checkPeriod } from './errors';
import { ExponentialMovingAverage, SimpleMovingAverage } from './moving-averages';

/**
 * Bollinger bands (default 20, 2): middle = SMA, bands = middle +- k * population standard
 * deviation of the window (divide by period, as Bollinger and technicalindicators do).
 *
 * O(1) per update without drift: the deviation comes from sums of (x - shift) and (x - shift)^2
 * kept by add/subtract, and a second pair of sums is rebuilt from scratch (additions only) over each
 * `period` updates; when it covers exactly the window it replaces the running pair. Rounding error
 * therefore never accumulates over more than 2 * period updates, and the shift (the first value of
 * the rebuild) keeps the squares small so the variance does not cancel catastrophically.
 */
export class BollingerBands {
  readonly period: number;
  readonly multiplier: number;
  middle = NaN;
  upper = NaN;
  lower = NaN;
  stdDev = NaN;
  private readonly sma: SimpleMovingAverage;
  private readonly window: Float64Array;
  private head = 0;
  private count = 0;
  // Running sums over the window, relative to `shift`.
  private shift = 0;
  private s1 = 0;
  private s2 = 0;
  // Sums being rebuilt over the next `period` values, relative to `nextShift`.
  private nextShift = 0;
  private n1 = 0;
  private n2 = 0;
  private rebuilt = 0;

  constructor(period = 20, multiplier = 2) {
    this.period = checkPeriod('Bollinger', period);
    this.multiplier = multiplier;
    this.sma = new SimpleMovingAverage(period);
    this.window = new Float64Array(period);
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    checkFinite('Bollinger', x);
    const p = this.period;
    const mean = this.sma.update(x);
    const oldest = this.window[this.head]!;
    this.window[this.head] = x;
    this.head = this.head + 1 === p ? 0 : this.head + 1;
    const d = x - this.shift;
    if (this.count < p) {
      if (this.count === 0) this.shift = this.nextShift = x;
      this.count++;
      this.s1 += x - this.shift;
      this.s2 += (x - this.shift) * (x - this.shift);
    } else {
      const o = oldest - this.shift;
      this.s1 += d - o;
      this.s2 += d * d - o * o;
    }
    if (this.rebuilt === 0) this.nextShift = x;
    const e = x - this.nextShift;
    this.n1 += e;
    this.n2 += e * e;
    if (++this.rebuilt === p) {
      this.shift = this.nextShift;
      this.s1 = this.n1;
      this.s2 = this.n2;
      this.n1 = this.n2 = 0;
      this.rebuilt = 0;
    }
    if (this.count < p) return NaN;
    const m = this.s1 / p;
    const variance = this.s2 / p - m * m;
    this.stdDev = variance > 0 ? Math.sqrt(variance) : 0;
    this.middle = mean;
    this.upper = mean + this.stdDev * this.multiplier;
    this.lower = mean - this.stdDev * this.multiplier;
    return mean;
  }

  reset(): void {
    this.sma.reset();
    this.window.fill(0);
    this.head = this.count = this.rebuilt = 0;
    this.shift = this.s1 = this.s2 = this.nextShift = this.n1 = this.n2 = 0;
    this.middle = this.upper = this.lower = this.stdDev = NaN;
  }
}

/**
 * Average true range with Wilder's smoothing (default 14). The true range needs the previous close,
 * so the first bar gives none (TA-Lib's and technicalindicators' convention; Wilder's book counts
 * high - low of the first bar): the ATR is the mean of the first `period` true ranges, from bar
 * period + 1 on, then atr += (tr - atr) / period.
 */
export class AverageTrueRange {
  readonly period: number;
  value = NaN;
  trueRange = NaN;
  private previousClose = NaN;
  private readonly wilder: ExponentialMovingAverage;

  constructor(period = 14) {
    this.period = checkPeriod('ATR', period);
    this.wilder = new ExponentialMovingAverage(period, 1 / period);
  }

  get ready(): boolean {
    return this.wilder.ready;
  }

  update(high: number, low: number, close: number): number {
    checkFinite('ATR high', high);
    checkFinite('ATR low', low);
    checkFinite('ATR close', close);
    const pc = this.previousClose;
    this.previousClose = close;
    if (pc !== pc) return NaN;
    const up = high - pc;
    const down = low - pc;
    this.trueRange = Math.max(high - low, up < 0 ? -up : up, down < 0 ? -down : down);
    this.value = this.wilder.update(this.trueRange);
    return this.value;
  }

  reset(): void {
    this.wilder.reset();
    this.previousClose = this.value = this.trueRange = NaN;
  }
}
