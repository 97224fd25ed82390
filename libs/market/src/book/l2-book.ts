/**
 * One side of a price-level book. Levels are kept in parallel typed arrays sorted so that the best
 * level is LAST: most updates touch the top of the book, and there an insert or removal shifts
 * nothing. Bids store key = price, asks key = -price, so both sides sort ascending by key.
 * Prices and sizes are safe-integer mantissas (checked by whoever parsed them).
 */
export class BookSide {
  private keys: Float64Array;
  private sizes: Float64Array;
  private count = 0;

  constructor(
    /** +1 for bids (higher is better), -1 for asks (lower is better). */
    private readonly sign: 1 | -1,
    capacity = 32,
  ) {
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  get depth(): number {
    return this.count;
  }

  /** Price of the level `index` away from the best (0 = best); NaN past the last level. */
  price(index: number): number {
    return index < this.count ? this.keys[this.count - 1 - index]! * this.sign : NaN;
  }

  size(index: number): number {
    return index < this.count ? this.sizes[this.count - 1 - index]! : NaN;
  }

  /** Size resting at a price, 0 when there is no level there. */
  sizeAt(price: number): number {
    const i = this.find(price * this.sign);
    return i < this.count && this.keys[i] === price * this.sign ? this.sizes[i]! : 0;
  }

  /** Sets the absolute size at a price; size 0 removes the level (absent levels are a no-op). */
  set(price: number, size: number): void {
    const key = price * this.sign;
    const i = this.find(key);
    const found = i < this.count && this.keys[i] === key;
    if (size === 0) {
      if (!found) return;
      this.keys.copyWithin(i, i + 1, this.count);
      this.sizes.copyWithin(i, i + 1, this.count);
      this.count--;
      return;
    }
    if (found) {
      this.sizes[i] = size;
      return;
    }
    if (this.count === this.keys.length) this.grow();
    if (i < this.count) {
      this.keys.copyWithin(i + 1, i, this.count);
      this.sizes.copyWithin(i + 1, i, this.count);
    }
    this.keys[i] = key;
    this.sizes[i] = size;
    this.count++;
  }

  /** Removes the worst level (the simulator keeps its book N levels deep this way). */
  removeWorst(): void {
    if (this.count === 0) return;
    this.keys.copyWithin(0, 1, this.count);
    this.sizes.copyWithin(0, 1, this.count);
    this.count--;
  }

  clear(): void {
    this.count = 0;
  }

  /** Index of the first key >= `key`. */
  private find(key: number): number {
    let lo = 0;
    let hi = this.count;
    // The best end is the usual target: check it before searching.
    if (hi > 0 && this.keys[hi - 1]! < key) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const sizes = new Float64Array(this.sizes.length * 2);
    keys.set(this.keys);
    sizes.set(this.sizes);
    this.keys = keys;
    this.sizes = sizes;
  }
}

/** An aggregated (L2) book: bids and asks by price level. */
export class L2Book {
  readonly bids = new BookSide(1);
  readonly asks = new BookSide(-1);

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }
}
