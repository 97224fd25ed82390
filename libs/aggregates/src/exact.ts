import { AggregateError } from './errors';

// Hot-path money arithmetic on `number` mantissas. Every price, size and time entering the
// aggregates is checked with Number.isSafeInteger at the boundary; sums of sizes are checked
// against 2^53 as they grow (VOLUME_OVERFLOW: use a coarser size scale for such an instrument);
// sums of products (notional, second moments) can outgrow 2^53 and go through ExactSum.

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function requireSafe(what: string, value: number): number {
  if (!Number.isSafeInteger(value))
    throw new AggregateError('UNSAFE_INTEGER', `${what} is not a safe integer: ${value}`);
  return value;
}

/** Adds volume to a running total, refusing to leave the exact-integer range of a double. */
export function addVolume(total: number, size: number, what: string): number {
  const sum = total + size;
  if (sum > MAX_SAFE)
    throw new AggregateError('VOLUME_OVERFLOW', `${what} volume exceeds 2^53: ${total} + ${size}`);
  return sum;
}

/**
 * An exact integer sum of products. The common case stays in one double (`lo`, |lo| <= 2^53 - 1);
 * when a product or the running sum would leave that range the excess moves into a bigint (`hi`),
 * which allocates only on that rare carry. A double product a*b is exact exactly when it is <= 2^53
 * - 1 in magnitude (rounding is monotone), which is the test used.
 */
export class ExactSum {
  lo = 0;
  hi = 0n;

  add(x: number): void {
    const s = this.lo + x;
    if (s <= MAX_SAFE && s >= -MAX_SAFE) this.lo = s;
    else {
      this.hi += BigInt(this.lo) + BigInt(x);
      this.lo = 0;
    }
  }

  addProduct(a: number, b: number): void {
    const p = a * b;
    if (p <= MAX_SAFE && p >= -MAX_SAFE) this.add(p);
    else this.hi += BigInt(a) * BigInt(b);
  }

  /** a * b * b, exactly (second moments). */
  addProductSquare(a: number, b: number): void {
    const bb = b * b;
    if (bb <= MAX_SAFE) this.addProduct(a, bb);
    else this.hi += BigInt(a) * BigInt(b) * BigInt(b);
  }

  addSum(other: ExactSum): void {
    this.hi += other.hi;
    this.add(other.lo);
  }

  subtract(other: ExactSum): void {
    this.hi -= other.hi;
    this.add(-other.lo);
  }

  clear(): void {
    this.lo = 0;
    this.hi = 0n;
  }

  get big(): bigint {
    return this.hi + BigInt(this.lo);
  }

  /** The sum as a double when it fits exactly, else NaN (callers then use `big`). */
  get small(): number {
    return this.hi === 0n ? this.lo : NaN;
  }

  toJSON(): string {
    return this.big.toString();
  }

  load(text: string): void {
    const v = BigInt(text);
    this.lo = 0;
    this.hi = 0n;
    if (v <= BigInt(MAX_SAFE) && v >= -BigInt(MAX_SAFE)) this.lo = Number(v);
    else this.hi = v;
  }
}

/**
 * base + n / d rounded half to even, for safe integers with d > 0. The tie is settled on the parity
 * of the whole result (base included), so sums kept relative to an offset round like absolute ones.
 * Exact despite the float division: the remainder corrects the quotient.
 */
export function divRoundHalfEven(n: number, d: number, base = 0): number {
  let q = Math.floor(n / d);
  let r = n - q * d;
  if (r < 0) {
    q -= 1;
    r += d;
  } else if (r >= d) {
    q += 1;
    r -= d;
  }
  const twice = 2 * r;
  if (twice > d || (twice === d && (base + q) % 2 !== 0)) q += 1;
  return base + q;
}

/** Same as divRoundHalfEven on bigints (d > 0). */
export function bigDivRoundHalfEven(n: bigint, d: bigint, base = 0n): bigint {
  let q = n / d;
  let r = n % d;
  if (r < 0n) {
    q -= 1n;
    r += d;
  }
  const twice = 2n * r;
  if (twice > d || (twice === d && (base + q) % 2n !== 0n)) q += 1n;
  return base + q;
}

/** offset + sum / volume rounded half-even: a VWAP mantissa from a sum relative to `offset`. */
export function averagePrice(offset: number, weighted: ExactSum, volume: number): number {
  const small = weighted.small;
  if (small === small) return divRoundHalfEven(small, volume, offset);
  return Number(bigDivRoundHalfEven(weighted.big, BigInt(volume), BigInt(offset)));
}

/**
 * Volume-weighted variance from sums relative to an offset: (V * S2 - S1^2) / V^2, with the
 * numerator formed exactly in bigint so that only the final division rounds (read path only).
 */
export function weightedVariance(s1: ExactSum, s2: ExactSum, volume: number): number {
  if (volume <= 0) return 0;
  const v = BigInt(volume);
  const s = s1.big;
  const numerator = v * s2.big - s * s;
  if (numerator <= 0n) return 0;
  return Number(numerator) / (volume * volume);
}
