/**
 * Integer division rounding half away from zero (2.5 -> 3, -2.5 -> -3): the one rounding rule of
 * this library (AvgPx, average position price, the cost split of a partial close). Symmetric, so
 * a short position's figures are the mirror image of the long one's.
 */
export function divRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n + d) / (2n * d);
  return negative ? -q : q;
}
