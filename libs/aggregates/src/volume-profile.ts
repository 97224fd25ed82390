import { AggregateError } from './errors';
import { addVolume } from './exact';
import { rowOf, rowSizeOf } from './footprint';
import { pointOfControlIndex } from './point-of-control';
import { PriceLevelTable } from './price-level-table';

export interface VolumeProfileSpec {
  /** Row height in ticks (default 1). */
  rowTicks?: number;
  /** Share of the volume in the value area, in whole percent (default 70). */
  valueAreaPercent?: number;
}

export interface ProfileLevel {
  price: number;
  volume: number;
  buyVolume: number;
  sellVolume: number;
}

export interface VolumeProfileResult {
  rowSize: number;
  /** Rows that traded, ascending by price. */
  levels: ProfileLevel[];
  totalVolume: number;
  /** Null when nothing traded. */
  pocPrice: number | null;
  valueAreaLow: number | null;
  valueAreaHigh: number | null;
  valueAreaVolume: number;
}

// Columns of the table.
const VOL = 0;
const BUY = 1;
const SELL = 2;

/**
 * Volume by price over a session or any range the caller feeds (trades, or closed footprints via
 * addFootprint), grouped in rows of rowTicks ticks keyed by the row's lowest price.
 *
 * Value area (CBOT Market Profile method): start from the point of control (ties: the row nearest
 * the middle of the profile's range, then the lower); while the area holds less than
 * valueAreaPercent of the volume (the target is ceil(total * percent / 100)), compare the volume of
 * the next two rows above with the next two rows below and add the larger pair (a side with only
 * one row left offers that row; a side with none left loses). On a tie both pairs are added, so
 * neither side is favoured. Rows inside the range that did not trade count as zero-volume rows.
 */
export class VolumeProfile {
  readonly rowSize: number;
  readonly valueAreaPercent: number;
  totalVolume = 0;
  private readonly table = new PriceLevelTable(3, 256);
  private readonly rowTicksIsOne: boolean;

  constructor(tickSize: number, spec: VolumeProfileSpec = {}) {
    const rowTicks = spec.rowTicks ?? 1;
    this.valueAreaPercent = spec.valueAreaPercent ?? 70;
    if (
      !Number.isInteger(this.valueAreaPercent) ||
      this.valueAreaPercent < 1 ||
      this.valueAreaPercent > 100
    ) {
      throw new AggregateError(
        'INVALID_SPEC',
        `value area percent must be 1..100, got ${this.valueAreaPercent}`,
      );
    }
    this.rowSize = rowSizeOf('profile rowTicks', tickSize, rowTicks);
    this.rowTicksIsOne = rowTicks === 1;
  }

  add(price: number, size: number, buy: boolean): void {
    this.totalVolume = addVolume(this.totalVolume, size, 'profile');
    const base = this.table.upsert(this.rowTicksIsOne ? price : rowOf(price, this.rowSize));
    const v = this.table.values;
    v[base + VOL] += size;
    v[base + (buy ? BUY : SELL)] += size;
  }

  /** Adds a closed footprint's rows (their prices must sit on this profile's row grid). */
  addFootprint(levels: readonly { price: number; bidVolume: number; askVolume: number }[]): void {
    for (const l of levels) {
      if (l.askVolume > 0) this.add(l.price, l.askVolume, true);
      if (l.bidVolume > 0) this.add(l.price, l.bidVolume, false);
    }
  }

  clear(): void {
    this.table.clear();
    this.totalVolume = 0;
  }

  read(): VolumeProfileResult {
    const t = this.table;
    const levels: ProfileLevel[] = t.sortedIndexes().map((i) => {
      const base = t.baseAt(i);
      return {
        price: t.keyAt(i),
        volume: t.values[base + VOL]!,
        buyVolume: t.values[base + BUY]!,
        sellVolume: t.values[base + SELL]!,
      };
    });
    const prices = levels.map((l) => l.price);
    const volumes = levels.map((l) => l.volume);
    const poc = pointOfControlIndex(prices, volumes, (prices[0]! + prices[prices.length - 1]!) / 2);
    if (poc < 0) {
      return {
        rowSize: this.rowSize,
        levels,
        totalVolume: 0,
        pocPrice: null,
        valueAreaLow: null,
        valueAreaHigh: null,
        valueAreaVolume: 0,
      };
    }
    const area = valueArea(prices, volumes, poc, this.rowSize, this.totalVolume, this.valueAreaPercent);
    return {
      rowSize: this.rowSize,
      levels,
      totalVolume: this.totalVolume,
      pocPrice: prices[poc]!,
      valueAreaLow: area.low,
      valueAreaHigh: area.high,
      valueAreaVolume: area.volume,
    };
  }

  dump(): number[] {
    return this.table.dump();
  }

  load(flat: readonly number[]): void {
    this.clear();
    this.table.load(flat);
    for (let i = 0; i < this.table.size; i++)
      this.totalVolume += this.table.values[this.table.baseAt(i) + VOL]!;
  }
}

/** The value area over rows sorted ascending (see VolumeProfile); rows between prices count as zero. */
export function valueArea(
  prices: readonly number[],
  volumes: readonly number[],
  poc: number,
  rowSize: number,
  total: number,
  percent: number,
): { low: number; high: number; volume: number } {
  const low = prices[0]!;
  const rows = (prices[prices.length - 1]! - low) / rowSize + 1;
  if (rows > 10_000_000) {
    throw new AggregateError('INVALID_SPEC', `profile spans ${rows} rows: use a larger row size`);
  }
  const dense = new Float64Array(rows);
  prices.forEach((p, i) => (dense[(p - low) / rowSize] = volumes[i]!));
  // ceil(total * percent / 100) exactly, whatever the magnitude.
  const target = Number((BigInt(total) * BigInt(percent) + 99n) / 100n);
  let up = (prices[poc]! - low) / rowSize;
  let down = up;
  let volume = dense[up]!;
  while (volume < target && (up < rows - 1 || down > 0)) {
    const aboveRows = Math.min(2, rows - 1 - up);
    const belowRows = Math.min(2, down);
    const above = aboveRows === 0 ? -1 : dense[up + 1]! + (aboveRows === 2 ? dense[up + 2]! : 0);
    const below = belowRows === 0 ? -1 : dense[down - 1]! + (belowRows === 2 ? dense[down - 2]! : 0);
    if (above >= below) {
      up += aboveRows;
      volume += above;
    }
    if (below >= above) {
      down -= belowRows;
      volume += below;
    }
  }
  return { low: low + down * rowSize, high: low + up * rowSize, volume };
}
