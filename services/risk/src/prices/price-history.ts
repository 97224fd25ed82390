/**
 * The closing mid of each time bucket per instrument, the last `capacity` buckets, in memory: the
 * history VaR is computed from. Prices are kept as numbers (mantissas at the price scale, guarded
 * below 2^53 when recorded): returns are ratios, computed in float64 anyway.
 */
export class PriceHistory {
  private readonly series = new Map<string, { buckets: number[]; prices: number[] }>();

  constructor(
    readonly bucketMicros: number,
    readonly capacity: number,
  ) {}

  /** Buckets per day: 1-bucket VaR figures scale to days by sqrt(this), as the lib scales days to horizons. */
  get bucketsPerDay(): number {
    return 86_400_000_000 / this.bucketMicros;
  }

  /** Records a price at a time; false when it was not kept (a late price for a closed bucket, or too large). */
  record(instrumentId: string, price: bigint, atMicros: number): boolean {
    if (price <= 0n || price > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    const bucket = Math.floor(atMicros / this.bucketMicros);
    let s = this.series.get(instrumentId);
    if (s === undefined) this.series.set(instrumentId, (s = { buckets: [], prices: [] }));
    const last = s.buckets.length - 1;
    if (last >= 0 && bucket === s.buckets[last]) {
      s.prices[last] = Number(price);
      return true;
    }
    if (last >= 0 && bucket < s.buckets[last]!) return false;
    s.buckets.push(bucket);
    s.prices.push(Number(price));
    // Trimmed in chunks, so the copy is paid once per `capacity` buckets, not per bucket.
    if (s.buckets.length >= 2 * this.capacity) {
      s.buckets.splice(0, s.buckets.length - this.capacity);
      s.prices.splice(0, s.prices.length - this.capacity);
    }
    return true;
  }

  /**
   * Simple returns bucket to bucket, aligned across the instruments: over the buckets where any
   * of them has a price, from the first bucket all of them have one, each carried forward where it
   * has none (the last `capacity` such buckets). A string names what is missing when there is not
   * enough history for two observations.
   */
  alignedReturns(instrumentIds: readonly string[]): Map<string, number[]> | string {
    const series: { buckets: number[]; prices: number[] }[] = [];
    for (const id of instrumentIds) {
      const s = this.series.get(id);
      if (s === undefined) return `no price history for ${id}`;
      series.push(s);
    }
    const start = Math.max(...series.map((s) => s.buckets[0]!));
    const union = new Set<number>();
    for (const s of series) for (const b of s.buckets) if (b >= start) union.add(b);
    const buckets = [...union].sort((a, b) => a - b).slice(-(this.capacity + 1));
    if (buckets.length < 3) {
      return `${buckets.length} common price bucket(s) of ${this.bucketMicros / 1e6} s; VaR needs at least 3`;
    }
    const out = new Map<string, number[]>();
    instrumentIds.forEach((id, k) => {
      const s = series[k]!;
      const returns: number[] = [];
      let i = 0;
      let previous: number | undefined;
      for (const b of buckets) {
        while (i + 1 < s.buckets.length && s.buckets[i + 1]! <= b) i++;
        const price = s.prices[i]!;
        if (previous !== undefined) returns.push(price / previous - 1);
        previous = price;
      }
      out.set(id, returns);
    });
    return out;
  }
}
