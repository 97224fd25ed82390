/**
 * Open-addressing hash table keyed by an integer price mantissa (or a row's low price), with
 * `columns` float64 values per key in one typed array: no Map, no per-level objects, and clear() is
 * O(1) (a generation stamp marks live slots). Keys are kept in insertion order for iteration.
 * Linear probing with Fibonacci hashing; the table doubles at half load (allocates only then).
 */
export class PriceLevelTable {
  readonly columns: number;
  /** Values of the key at insertion index i, column c: values[baseAt(i) + c]. Replaced on growth. */
  values: Float64Array;
  /** Number of live keys. */
  size = 0;
  private keys: Float64Array;
  private stamps: Uint32Array;
  private order: Int32Array;
  private generation = 1;
  private mask: number;
  private shift: number;

  constructor(columns: number, initialCapacity = 64) {
    this.columns = columns;
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.keys = new Float64Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.order = new Int32Array(capacity >> 1);
    this.values = new Float64Array(capacity * columns);
  }

  private hash(key: number): number {
    const h = (key | 0) ^ Math.imul((key / 4294967296) | 0, 0x85ebca6b);
    return Math.imul(h, 0x9e3779b1) >>> this.shift;
  }

  /** Base offset of `key`'s values, or -1 when absent. */
  find(key: number): number {
    const gen = this.generation;
    for (let slot = this.hash(key); ; slot = (slot + 1) & this.mask) {
      if (this.stamps[slot] !== gen) return -1;
      if (this.keys[slot] === key) return slot * this.columns;
    }
  }

  /** Base offset of `key`'s values, inserting the key with zero values when absent. */
  upsert(key: number): number {
    const gen = this.generation;
    let slot = this.hash(key);
    for (; ; slot = (slot + 1) & this.mask) {
      if (this.stamps[slot] !== gen) break;
      if (this.keys[slot] === key) return slot * this.columns;
    }
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      return this.upsert(key);
    }
    this.stamps[slot] = gen;
    this.keys[slot] = key;
    this.order[this.size++] = slot;
    const base = slot * this.columns;
    this.values.fill(0, base, base + this.columns);
    return base;
  }

  keyAt(i: number): number {
    return this.keys[this.order[i]!]!;
  }

  baseAt(i: number): number {
    return this.order[i]! * this.columns;
  }

  clear(): void {
    this.size = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** Insertion indexes sorted by ascending key (read path; allocates). */
  sortedIndexes(): number[] {
    const idx = Array.from({ length: this.size }, (_, i) => i);
    return idx.sort((a, b) => this.keyAt(a) - this.keyAt(b));
  }

  /** Drops keys whose values are all zero (book levels that were removed). */
  compact(): void {
    const cols = this.columns;
    const keep: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const base = this.baseAt(i);
      for (let c = 0; c < cols; c++) {
        if (this.values[base + c] !== 0) {
          keep.push(this.keyAt(i), ...this.values.subarray(base, base + cols));
          break;
        }
      }
    }
    this.clear();
    this.load(keep);
  }

  /** Flat [key, v0, v1, ..., key, v0, ...] in insertion order: a JSON-able snapshot. */
  dump(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const base = this.baseAt(i);
      out.push(this.keyAt(i));
      for (let c = 0; c < this.columns; c++) out.push(this.values[base + c]!);
    }
    return out;
  }

  /** Adds the entries of a dump() (after clear() this restores it). */
  load(flat: readonly number[]): void {
    const stride = this.columns + 1;
    for (let i = 0; i + stride <= flat.length; i += stride) {
      const base = this.upsert(flat[i]!);
      for (let c = 0; c < this.columns; c++) this.values[base + c]! += flat[i + 1 + c]!;
    }
  }

  private grow(): void {
    const entries = this.dump();
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.keys = new Float64Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.order = new Int32Array(capacity >> 1);
    this.values = new Float64Array(capacity * this.columns);
    this.generation = 1;
    this.size = 0;
    this.load(entries);
  }
}
