import { AggregateError } from './errors';
import { ExactSum, addVolume, averagePrice, weightedVariance, MAX_SAFE } from './exact';
import { MICROS_PER_SECOND } from './bar-type';

export interface VwapValue {
  /** VWAP mantissa at price scale, rounded half-even (exact). */
  vwap: number;
  volume: number;
  /** Volume-weighted standard deviation of price, in price mantissa units (float: a statistic). */
  stdDev: number;
  /** vwap +- k * stdDev for k = 1, 2, 3, rounded to the nearest mantissa. */
  upper1: number;
  upper2: number;
  upper3: number;
  lower1: number;
  lower2: number;
  lower3: number;
}

export interface VwapState {
  offset: number | null;
  volume: number;
  s1: string;
  s2: string;
}

/**
 * Volume-weighted average price with standard-deviation bands. Sums are kept exactly relative to an
 * offset (the first price after a reset): S1 = sum(v * (p - offset)), S2 = sum(v * (p - offset)^2),
 * so VWAP = offset + S1 / V and variance = S2 / V - (S1 / V)^2 (the volume-weighted variance).
 */
export class VwapAccumulator {
  offset = NaN;
  volume = 0;
  readonly s1 = new ExactSum();
  readonly s2 = new ExactSum();

  add(price: number, size: number): void {
    if (this.offset !== this.offset) this.offset = price;
    const d = price - this.offset;
    this.volume = addVolume(this.volume, size, 'VWAP');
    this.s1.addProduct(size, d);
    this.s2.addProductSquare(size, d);
  }

  reset(): void {
    this.offset = NaN;
    this.volume = 0;
    this.s1.clear();
    this.s2.clear();
  }

  /** Null until a trade was added. */
  read(): VwapValue | null {
    return readVwap(this.offset, this.volume, this.s1, this.s2);
  }

  snapshot(): VwapState {
    return {
      offset: this.offset === this.offset ? this.offset : null,
      volume: this.volume,
      s1: this.s1.toJSON(),
      s2: this.s2.toJSON(),
    };
  }

  restore(state: VwapState): void {
    this.offset = state.offset ?? NaN;
    this.volume = state.volume;
    this.s1.load(state.s1);
    this.s2.load(state.s2);
  }
}

function readVwap(offset: number, volume: number, s1: ExactSum, s2: ExactSum): VwapValue | null {
  if (volume <= 0) return null;
  const vwap = averagePrice(offset, s1, volume);
  const stdDev = Math.sqrt(weightedVariance(s1, s2, volume));
  const s1Small = s1.small;
  const mean = offset + (s1Small === s1Small ? s1Small : Number(s1.big)) / volume;
  const band = (k: number): number => Math.round(mean + k * stdDev);
  return {
    vwap,
    volume,
    stdDev,
    upper1: band(1),
    upper2: band(2),
    upper3: band(3),
    lower1: band(-1),
    lower2: band(-2),
    lower3: band(-3),
  };
}

export interface RollingVwapState {
  offset: number | null;
  headSecond: number | null;
  /** Per bucket: [second, volume, s1, s2]. */
  buckets: [number, number, string, string][];
}

/**
 * VWAP over a rolling window of `seconds` whole UTC seconds: the trades whose second lies in
 * (s - seconds, s], s being the latest second seen (a trade's or advanceTo's). One bucket per
 * second in a ring, preallocated; moving the window subtracts the buckets that fall out, so an
 * update is O(1) amortised whatever the trade rate. The offset is the first price ever seen and
 * never moves, so bucket sums stay comparable.
 */
export class RollingVwap {
  readonly seconds: number;
  private offset = NaN;
  private headSecond = NaN;
  private volume = 0;
  private readonly s1 = new ExactSum();
  private readonly s2 = new ExactSum();
  private readonly bucketSecond: Float64Array;
  private readonly bucketVolume: Float64Array;
  private readonly bucketS1: ExactSum[];
  private readonly bucketS2: ExactSum[];

  constructor(seconds: number) {
    if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 86_400) {
      throw new AggregateError(
        'INVALID_SPEC',
        `rolling VWAP window must be 1..86400 seconds, got ${seconds}`,
      );
    }
    this.seconds = seconds;
    this.bucketSecond = new Float64Array(seconds).fill(-1);
    this.bucketVolume = new Float64Array(seconds);
    this.bucketS1 = Array.from({ length: seconds }, () => new ExactSum());
    this.bucketS2 = Array.from({ length: seconds }, () => new ExactSum());
  }

  /** Moves the window's end to the second of `timeMicros` (never backwards). */
  advanceTo(timeMicros: number): void {
    const second = Math.floor(timeMicros / MICROS_PER_SECOND);
    if (second <= this.headSecond) return;
    if (this.headSecond !== this.headSecond || second - this.headSecond >= this.seconds) {
      this.clearBuckets();
    } else {
      for (let s = this.headSecond + 1; s <= second; s++) this.expire(s % this.seconds);
    }
    this.headSecond = second;
  }

  add(timeMicros: number, price: number, size: number): void {
    this.advanceTo(timeMicros);
    if (this.offset !== this.offset) this.offset = price;
    const i = this.headSecond % this.seconds;
    const d = price - this.offset;
    this.bucketSecond[i] = this.headSecond;
    this.bucketVolume[i] += size;
    this.volume = addVolume(this.volume, size, 'rolling VWAP');
    this.bucketS1[i]!.addProduct(size, d);
    this.bucketS2[i]!.addProductSquare(size, d);
    this.s1.addProduct(size, d);
    this.s2.addProductSquare(size, d);
  }

  read(): VwapValue | null {
    return readVwap(this.offset, this.volume, this.s1, this.s2);
  }

  private expire(i: number): void {
    if (this.bucketVolume[i] === 0) return;
    this.volume -= this.bucketVolume[i]!;
    this.s1.subtract(this.bucketS1[i]!);
    this.s2.subtract(this.bucketS2[i]!);
    this.bucketVolume[i] = 0;
    this.bucketS1[i]!.clear();
    this.bucketS2[i]!.clear();
  }

  private clearBuckets(): void {
    this.bucketVolume.fill(0);
    this.bucketSecond.fill(-1);
    for (let i = 0; i < this.seconds; i++) {
      this.bucketS1[i]!.clear();
      this.bucketS2[i]!.clear();
    }
    this.volume = 0;
    this.s1.clear();
    this.s2.clear();
  }

  snapshot(): RollingVwapState {
    const buckets: RollingVwapState['buckets'] = [];
    for (let i = 0; i < this.seconds; i++) {
      if (this.bucketVolume[i]! > 0) {
        buckets.push([
          this.bucketSecond[i]!,
          this.bucketVolume[i]!,
          this.bucketS1[i]!.toJSON(),
          this.bucketS2[i]!.toJSON(),
        ]);
      }
    }
    return {
      offset: this.offset === this.offset ? this.offset : null,
      headSecond: this.headSecond === this.headSecond ? this.headSecond : null,
      buckets,
    };
  }

  restore(state: RollingVwapState): void {
    this.clearBuckets();
    this.offset = state.offset ?? NaN;
    this.headSecond = state.headSecond ?? NaN;
    for (const [second, volume, s1, s2] of state.buckets) {
      if (!Number.isSafeInteger(second) || !(volume > 0 && volume <= MAX_SAFE)) {
        throw new AggregateError('INVALID_SNAPSHOT', `rolling VWAP bucket ${second} is malformed`);
      }
      const i = second % this.seconds;
      this.bucketSecond[i] = second;
      this.bucketVolume[i] = volume;
      this.bucketS1[i]!.load(s1);
      this.bucketS2[i]!.load(s2);
      this.volume += volume;
      this.s1.addSum(this.bucketS1[i]!);
      this.s2.addSum(this.bucketS2[i]!);
    }
  }
}
