import { checkFinite, checkPeriod } from './errors';
import { ExponentialMovingAverage } from './moving-averages';

/**
 * Relative strength index with Wilder's smoothing (default 14). The average gain and loss are
 * seeded with the simple mean of the first `period` changes, then avg = (avg * (period - 1) +
 * change) / period. The first value comes out on update period + 1.
 * Edge cases: no losses -> 100; no gains -> 0; neither (a flat window) -> 50, "no movement", where
 * technicalindicators answers 100. technicalindicators also rounds RSI to 2 decimals; we do not.
 */
export class RelativeStrengthIndex {
  readonly period: number;
  value = NaN;
  avgGain = NaN;
  avgLoss = NaN;
  private previous = NaN;
  private changes = 0;
  private gainSum = 0;
  private lossSum = 0;

  constructor(period = 14) {
    this.period = checkPeriod('RSI', period);
  }

  get ready(): boolean {
    return this.changes >= this.period;
  }

  update(close: number): number {
    checkFinite('RSI', close);
    const previous = this.previous;
    this.previous = close;
    if (previous !== previous) return NaN; // first close: no change yet
    const change = close - previous;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const p = this.period;
    if (this.changes < p) {
      this.changes++;
      this.gainSum += gain;
      this.lossSum += loss;
      if (this.changes < p) return NaN;
      this.avgGain = this.gainSum / p;
      this.avgLoss = this.lossSum / p;
    } else {
      this.avgGain = (this.avgGain * (p - 1) + gain) / p;
      this.avgLoss = (this.avgLoss * (p - 1) + loss) / p;
    }
    if (this.avgLoss === 0) this.value = this.avgGain === 0 ? 50 : 100;
    else if (this.avgGain === 0) this.value = 0;
    else this.value = 100 - 100 / (1 + this.avgGain / this.avgLoss);
    return this.value;
  }

  reset(): void {
    this.value = this.avgGain = this.avgLoss = this.previous = NaN;
    this.changes = this.gainSum = this.lossSum = 0;
  }
}

/**
 * MACD (default 12/26/9): line = EMA(fast) - EMA(slow), signal = EMA(signal) of the line, histogram
 * = line - signal. Each EMA is seeded with its own SMA, and the fast EMA runs from the first close
 * (technicalindicators' definition; TA-Lib instead starts the fast EMA so that it is seeded on the
 * same bar as the slow one, which gives slightly different early values). The line comes out on
 * update `slow`, the signal `signal - 1` updates later.
 */
export class MovingAverageConvergenceDivergence {
  /** MACD line; NaN until the slow EMA is ready. */
  value = NaN;
  signal = NaN;
  histogram = NaN;
  private readonly fast: ExponentialMovingAverage;
  private readonly slow: ExponentialMovingAverage;
  private readonly signalEma: ExponentialMovingAverage;

  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9) {
    this.fast = new ExponentialMovingAverage(checkPeriod('MACD fast', fastPeriod));
    this.slow = new ExponentialMovingAverage(checkPeriod('MACD slow', slowPeriod));
    this.signalEma = new ExponentialMovingAverage(checkPeriod('MACD signal', signalPeriod));
  }

  get ready(): boolean {
    return this.signalEma.ready;
  }

  update(close: number): number {
    checkFinite('MACD', close);
    const fast = this.fast.update(close);
    const slow = this.slow.update(close);
    if (slow !== slow) return NaN;
    this.value = fast - slow;
    this.signal = this.signalEma.update(this.value);
    this.histogram = this.value - this.signal;
    return this.value;
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signalEma.reset();
    this.value = this.signal = this.histogram = NaN;
  }
}
