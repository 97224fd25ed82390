import { formatFixed } from '@tapeline/fixed-point';
import type { commonV1 } from '@tapeline/contracts';

/** A wire mantissa (int64 as a decimal string) at `scale` as the Decimal scalar's text. */
export function decimalOf(mantissa: string, scale: number): string {
  return formatFixed({ mantissa: BigInt(mantissa), scale });
}

/**
 * Wire int64 microseconds to a number: exact while below 2^53 (the year 2255), which every
 * timestamp of this platform is; anything else is a producer bug and fails loudly.
 */
export function microsOf(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`timestamp ${value} µs is outside the safe range`);
  return n;
}

export function wireTimestamp(micros: number): commonV1.Timestamp {
  return { unixMicros: String(micros) };
}

/** Microseconds of an optional wire Timestamp; null when unset. */
export function microsOfTimestamp(ts: commonV1.Timestamp | undefined): number | null {
  return ts ? microsOf(ts.unixMicros) : null;
}
