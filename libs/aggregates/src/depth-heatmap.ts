import { AggregateError } from './errors';
import { addVolume, requireSafe } from './exact';
import { rowOf, rowSizeOf } from './footprint';
import { PriceLevelTable } from './price-level-table';

export interface DepthHeatmapSpec {
  /** Column width in µs (default 1 s). */
  stepMicros?: number;
  /** Bucket height in ticks (default 1). */
  bucketTicks?: number;
  /** After a silence longer than this many columns, the idle columns are skipped, not filled (default 3600). */
  maxColumnsPerGap?: number;
}

/** One column of the heatmap: the book at the end of [timeMicros, timeMicros + step). */
export interface HeatmapColumn {
  timeMicros: number;
  stepMicros: number;
  bucketSize: number;
  /** Bucket low prices ascending, with the resting bid and ask size in each (0 when none). */
  prices: number[];
  bidSizes: number[];
  askSizes: number[];
}

export interface DepthHeatmapState {
  synced: boolean;
  lastSequence: number;
  columnStartMicros: number | null;
  bids: number[];
  asks: number[];
}

/** A depth level as it comes off the bus: [price, size] mantissas. */
export type DepthLevel = readonly [price: number, size: number];

/**
 * Resting liquidity by price over time. Keeps the L2 book from SNAPSHOT and DIFF depth events
 * (a diff whose previous sequence is not the last one seen is a gap: SEQUENCE_GAP, and the book
 * stays unsynced until the next snapshot), and samples it on a fixed grid: column k covers
 * [k * step, (k + 1) * step) on the UTC epoch grid and holds the book as it stood at the end of that
 * interval (the last state before the next column began), summed into price buckets of
 * bucketTicks ticks. A column with no depth event repeats the standing book — liquidity rests until
 * it changes. Columns are emitted when time (an event's or advanceTo's) passes their end.
 */
export class DepthHeatmap {
  readonly stepMicros: number;
  readonly bucketSize: number;
  readonly maxColumnsPerGap: number;
  private readonly bids = new PriceLevelTable(1, 256);
  private readonly asks = new PriceLevelTable(1, 256);
  private readonly buckets = new PriceLevelTable(2, 256);
  private synced = false;
  private lastSequence = 0;
  private columnStart = NaN;

  constructor(
    tickSize: number,
    spec: DepthHeatmapSpec,
    private readonly sink: (column: HeatmapColumn) => void,
  ) {
    this.stepMicros = spec.stepMicros ?? 1_000_000;
    const bucketTicks = spec.bucketTicks ?? 1;
    this.maxColumnsPerGap = spec.maxColumnsPerGap ?? 3600;
    if (!Number.isSafeInteger(this.stepMicros) || this.stepMicros < 1000) {
      throw new AggregateError('INVALID_SPEC', `heatmap step must be >= 1000 µs, got ${this.stepMicros}`);
    }
    this.bucketSize = rowSizeOf('heatmap bucketTicks', tickSize, bucketTicks);
  }

  /** Replaces the book. Returns false for a stale snapshot (sequence not above the last one). */
  applySnapshot(
    time: number,
    sequence: number,
    bids: readonly DepthLevel[],
    asks: readonly DepthLevel[],
  ): boolean {
    if (this.synced && sequence <= this.lastSequence) return false;
    this.advanceTo(time);
    this.bids.clear();
    this.asks.clear();
    this.setLevels(this.bids, bids, 'bid');
    this.setLevels(this.asks, asks, 'ask');
    this.synced = true;
    this.lastSequence = sequence;
    this.startColumns(time);
    return true;
  }

  /** Applies a diff (size 0 removes a level). Returns false for a redelivered one. */
  applyDiff(
    time: number,
    sequence: number,
    previousSequence: number,
    bids: readonly DepthLevel[],
    asks: readonly DepthLevel[],
  ): boolean {
    if (this.synced && sequence <= this.lastSequence) return false;
    if (!this.synced || previousSequence !== this.lastSequence) {
      this.synced = false;
      throw new AggregateError(
        'SEQUENCE_GAP',
        `depth diff ${sequence} follows ${previousSequence}, last seen ${this.lastSequence}: waiting for a snapshot`,
      );
    }
    this.advanceTo(time);
    this.setLevels(this.bids, bids, 'bid');
    this.setLevels(this.asks, asks, 'ask');
    this.lastSequence = sequence;
    this.startColumns(time);
    return true;
  }

  /** Emits the columns that end at or before `time`. */
  advanceTo(time: number): void {
    if (this.columnStart !== this.columnStart || time < this.columnStart + this.stepMicros) return;
    const step = this.stepMicros;
    const next = Math.floor(time / step) * step;
    const columns = (next - this.columnStart) / step;
    if (this.synced) {
      const limit = columns <= this.maxColumnsPerGap ? columns : 1;
      for (let i = 0; i < limit; i++) this.emitColumn(this.columnStart + i * step);
    }
    this.columnStart = next;
    if (this.bids.size + this.asks.size > 4096) {
      this.bids.compact();
      this.asks.compact();
    }
  }

  private startColumns(time: number): void {
    if (this.columnStart !== this.columnStart)
      this.columnStart = Math.floor(time / this.stepMicros) * this.stepMicros;
  }

  private setLevels(table: PriceLevelTable, levels: readonly DepthLevel[], side: string): void {
    for (const [price, size] of levels) {
      requireSafe(`${side} price`, price);
      requireSafe(`${side} size`, size);
      const base = table.upsert(price);
      table.values[base] = size;
    }
  }

  private emitColumn(timeMicros: number): void {
    const b = this.buckets;
    b.clear();
    this.bucketSide(this.bids, 0);
    this.bucketSide(this.asks, 1);
    const prices: number[] = [];
    const bidSizes: number[] = [];
    const askSizes: number[] = [];
    for (const i of b.sortedIndexes()) {
      const base = b.baseAt(i);
      prices.push(b.keyAt(i));
      bidSizes.push(b.values[base]!);
      askSizes.push(b.values[base + 1]!);
    }
    this.sink({
      timeMicros,
      stepMicros: this.stepMicros,
      bucketSize: this.bucketSize,
      prices,
      bidSizes,
      askSizes,
    });
  }

  private bucketSide(side: PriceLevelTable, column: number): void {
    for (let i = 0; i < side.size; i++) {
      const size = side.values[side.baseAt(i)]!;
      if (size === 0) continue;
      const base = this.buckets.upsert(rowOf(side.keyAt(i), this.bucketSize));
      this.buckets.values[base + column] = addVolume(
        this.buckets.values[base + column]!,
        size,
        'heatmap bucket',
      );
    }
  }

  snapshot(): DepthHeatmapState {
    this.bids.compact();
    this.asks.compact();
    return {
      synced: this.synced,
      lastSequence: this.lastSequence,
      columnStartMicros: this.columnStart === this.columnStart ? this.columnStart : null,
      bids: this.bids.dump(),
      asks: this.asks.dump(),
    };
  }

  restore(s: DepthHeatmapState): void {
    this.synced = s.synced;
    this.lastSequence = s.lastSequence;
    this.columnStart = s.columnStartMicros ?? NaN;
    this.bids.clear();
    this.bids.load(s.bids);
    this.asks.clear();
    this.asks.load(s.asks);
  }
}
