/**
 * Index of the point of control among levels sorted by ascending price: the level with the largest
 * volume. Ties go to the level nearest `reference`, and between two tied levels equally near it, to
 * the lower price, so the answer never depends on insertion order. Footprint bars use the bar's
 * close as the reference (the BarEvent.poc_price contract); volume profiles use the middle of their
 * price range (the Market Profile rule). Returns -1 for no levels.
 */
export function pointOfControlIndex(
  prices: ArrayLike<number>,
  volumes: ArrayLike<number>,
  reference: number,
): number {
  const n = prices.length;
  if (n === 0) return -1;
  let best = 0;
  for (let i = 1; i < n; i++) {
    const v = volumes[i]!;
    const bv = volumes[best]!;
    // Distances are integers or halves of safe integers: exact in a double.
    if (v > bv || (v === bv && Math.abs(prices[i]! - reference) < Math.abs(prices[best]! - reference)))
      best = i;
  }
  return best;
}
