import { AggregateError } from './errors';

export interface DivergenceState {
  /** Per remembered bar, oldest first: [high, low, cumulativeDeltaHigh, cumulativeDeltaLow]. */
  bars: [number, number, number, number][];
}

/**
 * Delta divergence over a lookback of L closed bars of one series, within one session.
 * For a closing bar i, with H = max high, CH = max cumulative-delta high, Lo = min low and CL = min
 * cumulative-delta low over bars i-L .. i-1 (cumulative-delta high/low = the extremes the session's
 * cumulative delta reached inside the bar):
 *   bearish: high_i > H  and cdHigh_i < CH  (price makes a higher high, cumulative delta a lower high)
 *   bullish: low_i  < Lo and cdLow_i  > CL  (price makes a lower low, cumulative delta a higher low)
 * Nothing is signalled until L bars of the session are remembered; the memory is cleared at each
 * session start because cumulative delta restarts from zero there.
 */
export class DeltaDivergence {
  readonly lookback: number;
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  private readonly cdHighs: Float64Array;
  private readonly cdLows: Float64Array;
  private count = 0;
  private head = 0;
  bearish = false;
  bullish = false;

  constructor(lookback: number) {
    if (!Number.isSafeInteger(lookback) || lookback < 1 || lookback > 10_000) {
      throw new AggregateError('INVALID_SPEC', `divergence lookback must be 1..10000 bars, got ${lookback}`);
    }
    this.lookback = lookback;
    this.highs = new Float64Array(lookback);
    this.lows = new Float64Array(lookback);
    this.cdHighs = new Float64Array(lookback);
    this.cdLows = new Float64Array(lookback);
  }

  /** Evaluates a closing bar against the remembered ones (sets bearish/bullish), then remembers it. */
  evaluate(high: number, low: number, cdHigh: number, cdLow: number): void {
    this.bearish = this.bullish = false;
    if (this.count === this.lookback) {
      let h = -Infinity;
      let l = Infinity;
      let ch = -Infinity;
      let cl = Infinity;
      for (let i = 0; i < this.lookback; i++) {
        h = Math.max(h, this.highs[i]!);
        l = Math.min(l, this.lows[i]!);
        ch = Math.max(ch, this.cdHighs[i]!);
        cl = Math.min(cl, this.cdLows[i]!);
      }
      this.bearish = high > h && cdHigh < ch;
      this.bullish = low < l && cdLow > cl;
    }
    this.remember(high, low, cdHigh, cdLow);
  }

  private remember(high: number, low: number, cdHigh: number, cdLow: number): void {
    this.highs[this.head] = high;
    this.lows[this.head] = low;
    this.cdHighs[this.head] = cdHigh;
    this.cdLows[this.head] = cdLow;
    this.head = (this.head + 1) % this.lookback;
    if (this.count < this.lookback) this.count++;
  }

  clear(): void {
    this.count = this.head = 0;
    this.bearish = this.bullish = false;
  }

  snapshot(): DivergenceState {
    const bars: DivergenceState['bars'] = [];
    for (let k = 0; k < this.count; k++) {
      const i = (this.head - this.count + k + this.lookback) % this.lookback;
      bars.push([this.highs[i]!, this.lows[i]!, this.cdHighs[i]!, this.cdLows[i]!]);
    }
    return { bars };
  }

  restore(state: DivergenceState): void {
    this.clear();
    for (const [h, l, ch, cl] of state.bars.slice(-this.lookback)) this.remember(h, l, ch, cl);
  }
}
