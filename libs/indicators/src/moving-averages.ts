import { checkFinite, checkPeriod } from './errors';

/**
 * Simple moving average over the last `period` values, O(1) per update: a ring buffer and a
 * running sum. The sum is updated as (sum - oldest) + newest, the same operations in the same order
 * as technicalindicators, so both drift identically and agree to the last bit.
 */
export class SimpleMovingAverage {
  readonly period: number;
  /** Current average; NaN until `period` values were seen. */
  value = NaN;
  private readonly window: Float64Array;
  private sum = 0;
  private count = 0;
  private head = 0;

  constructor(period: number) {
    this.period = checkPeriod('SMA', period);
    this.window = new Float64Array(period);
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    checkFinite('SMA', x);
    const oldest = this.window[this.head]!;
    this.window[this.head] = x;
    this.head = this.head + 1 === this.period ? 0 : this.head + 1;
    if (this.count < this.period) {
      this.count++;
      if (this.count < this.period) {
        this.sum += x;
        return NaN;
      }
    }
    this.sum = this.sum - oldest + x;
    this.value = this.sum / this.period;
    return this.value;
  }

  reset(): void {
    this.window.fill(0);
    this.sum = 0;
    this.count = 0;
    this.head = 0;
    this.value = NaN;
  }
}

/**
 * Exponential moving average with smoothing `alpha` (2 / (period + 1) by default), seeded with the
 * simple average of the first `period` values (the TA-Lib and technicalindicators convention): the
 * first value comes out on the period-th update. Wilder's smoothing is the same with alpha = 1/period.
 */
export class ExponentialMovingAverage {
  readonly period: number;
  readonly alpha: number;
  /** Current average; NaN until `period` values were seen. */
  value = NaN;
  private seedSum = 0;
  private count = 0;

  constructor(period: number, alpha = 2 / (period + 1)) {
    this.period = checkPeriod('EMA', period);
    this.alpha = alpha;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    checkFinite('EMA', x);
    if (this.count >= this.period) {
      // (x - prev) * alpha + prev: the library's form, kept so that values agree to the bit.
      this.value = (x - this.value) * this.alpha + this.value;
      return this.value;
    }
    this.count++;
    this.seedSum += x;
    if (this.count < this.period) return NaN;
    this.value = this.seedSum / this.period;
    return this.value;
  }

  reset(): void {
    this.seedSum = 0;
    this.count = 0;
    this.value = NaN;
  }
}
