import { AggregateError } from './errors';
import { MAX_SAFE } from './exact';
import { pointOfControlIndex } from './point-of-control';
import { PriceLevelTable } from './price-level-table';

/** The lowest price of the row holding `price` (rows are multiples of rowSize; works below zero). */
export function rowOf(price: number, rowSize: number): number {
  return price - (((price % rowSize) + rowSize) % rowSize);
}

/** Row height in price mantissa units for `rowTicks` ticks, refusing anything but a positive integer. */
export function rowSizeOf(what: string, tickSize: number, rowTicks: number): number {
  if (!Number.isSafeInteger(rowTicks) || rowTicks < 1) {
    throw new AggregateError(
      'INVALID_SPEC',
      `${what} must be a positive integer number of ticks, got ${rowTicks}`,
    );
  }
  return tickSize * rowTicks;
}

export interface FootprintSpec {
  /** Row height in ticks (1 = one row per tick). */
  rowTicks?: number;
  /** Diagonal imbalance ratio, e.g. 3 (honoured to hundredths: 1.5 and 2.25 are exact). */
  imbalanceRatio?: number;
  /** Minimum volume (size mantissa) of the dominant side for an imbalance. */
  imbalanceMinVolume?: number;
  /** Consecutive imbalanced rows for a stacked imbalance. */
  stackedLevels?: number;
  /**
   * Whether a dominant side facing zero volume (an untraded row, or no row at all beyond the bar's
   * range) is an imbalance. True (default) treats the ratio as infinite; false requires volume on both.
   */
  zeroVolumeIsImbalance?: boolean;
}

export interface FootprintLevel {
  /** Row price: the lowest price of the row (a multiple of rowTicks ticks). */
  price: number;
  /** Volume and trades hitting the bid (sell aggressor). */
  bidVolume: number;
  bidTrades: number;
  /** Volume and trades lifting the ask (buy aggressor). */
  askVolume: number;
  askTrades: number;
  /** Ask volume here >= ratio x bid volume one row below (and >= the minimum). */
  buyImbalance: boolean;
  /** Bid volume here >= ratio x ask volume one row above (and >= the minimum). */
  sellImbalance: boolean;
}

export interface StackedImbalance {
  side: 'buy' | 'sell';
  fromPrice: number;
  toPrice: number;
  levels: number;
}

export interface FootprintBar {
  rowSize: number;
  /** Rows that traded, ascending by price. */
  levels: FootprintLevel[];
  /** Row with the most volume (ties: nearest the bar's close, then the lower price); null if empty. */
  pocPrice: number | null;
  stackedImbalances: StackedImbalance[];
}

// Columns of the per-bar table.
const BID_VOL = 0;
const ASK_VOL = 1;
const BID_N = 2;
const ASK_N = 3;

/**
 * Builds the footprint of the forming bar: per row, bid/ask volume and trade count, in an
 * open-addressing table keyed by row price (no allocation per trade). read() computes the point of
 * control and the diagonal imbalances; clear() starts the next bar.
 *
 * Diagonal imbalance (the usual footprint reading, buyers lifting offers against sellers hitting
 * bids one row lower): buy imbalance at row P when ask(P) >= ratio * bid(P - row) and ask(P) >=
 * minVolume; sell imbalance at P when bid(P) >= ratio * ask(P + row) and bid(P) >= minVolume.
 * Exactly at the ratio counts. A stacked imbalance is a run of >= stackedLevels adjacent rows (prices
 * one row apart, no gap) with the same kind of imbalance.
 */
export class FootprintBuilder {
  readonly rowSize: number;
  readonly ratioHundredths: number;
  readonly minVolume: number;
  readonly stackedLevels: number;
  readonly zeroVolumeIsImbalance: boolean;
  private readonly rowTicksIsOne: boolean;
  private readonly table = new PriceLevelTable(4, 64);

  constructor(tickSize: number, spec: FootprintSpec = {}) {
    const rowTicks = spec.rowTicks ?? 1;
    const ratio = spec.imbalanceRatio ?? 3;
    const hundredths = Math.round(ratio * 100);
    if (!(ratio >= 1) || Math.abs(ratio * 100 - hundredths) > 1e-6) {
      throw new AggregateError('INVALID_SPEC', `imbalance ratio must be >= 1 in hundredths, got ${ratio}`);
    }
    this.rowSize = rowSizeOf('footprint rowTicks', tickSize, rowTicks);
    this.rowTicksIsOne = rowTicks === 1;
    this.ratioHundredths = hundredths;
    this.minVolume = spec.imbalanceMinVolume ?? 0;
    this.stackedLevels = spec.stackedLevels ?? 3;
    this.zeroVolumeIsImbalance = spec.zeroVolumeIsImbalance ?? true;
    if (!Number.isSafeInteger(this.minVolume) || this.minVolume < 0) {
      throw new AggregateError('INVALID_SPEC', `imbalance minimum volume must be a safe integer >= 0`);
    }
    if (!Number.isSafeInteger(this.stackedLevels) || this.stackedLevels < 2) {
      throw new AggregateError('INVALID_SPEC', `stacked imbalance levels must be an integer >= 2`);
    }
  }

  get isEmpty(): boolean {
    return this.table.size === 0;
  }

  add(price: number, size: number, buy: boolean): void {
    const row = this.rowTicksIsOne ? price : rowOf(price, this.rowSize);
    const base = this.table.upsert(row);
    const v = this.table.values;
    if (buy) {
      v[base + ASK_VOL] += size;
      v[base + ASK_N] += 1;
    } else {
      v[base + BID_VOL] += size;
      v[base + BID_N] += 1;
    }
  }

  /** True when `dominant` is at least ratio x `opposite` (exact on integers). */
  isImbalance(dominant: number, opposite: number): boolean {
    if (dominant <= 0 || dominant < this.minVolume) return false;
    if (opposite === 0) return this.zeroVolumeIsImbalance;
    const left = dominant * 100;
    const right = opposite * this.ratioHundredths;
    if (left <= MAX_SAFE && right <= MAX_SAFE) return left >= right;
    return BigInt(dominant) * 100n >= BigInt(opposite) * BigInt(this.ratioHundredths);
  }

  /** The footprint of the bar so far, `close` being the bar's last price (read path: allocates). */
  read(close: number): FootprintBar {
    const t = this.table;
    const v = t.values;
    const order = t.sortedIndexes();
    const levels: FootprintLevel[] = order.map((i) => {
      const base = t.baseAt(i);
      return {
        price: t.keyAt(i),
        bidVolume: v[base + BID_VOL]!,
        bidTrades: v[base + BID_N]!,
        askVolume: v[base + ASK_VOL]!,
        askTrades: v[base + ASK_N]!,
        buyImbalance: false,
        sellImbalance: false,
      };
    });
    const volumeAt = (price: number, column: number): number => {
      const base = t.find(price);
      return base < 0 ? 0 : v[base + column]!;
    };
    for (const level of levels) {
      level.buyImbalance = this.isImbalance(level.askVolume, volumeAt(level.price - this.rowSize, BID_VOL));
      level.sellImbalance = this.isImbalance(level.bidVolume, volumeAt(level.price + this.rowSize, ASK_VOL));
    }
    const poc = pointOfControlIndex(
      levels.map((l) => l.price),
      levels.map((l) => l.bidVolume + l.askVolume),
      close,
    );
    return {
      rowSize: this.rowSize,
      levels,
      pocPrice: poc < 0 ? null : levels[poc]!.price,
      stackedImbalances: [...this.stacked(levels, 'buy'), ...this.stacked(levels, 'sell')],
    };
  }

  private stacked(levels: FootprintLevel[], side: 'buy' | 'sell'): StackedImbalance[] {
    const out: StackedImbalance[] = [];
    let start = -1;
    for (let i = 0; i <= levels.length; i++) {
      const level = levels[i];
      const on = level !== undefined && (side === 'buy' ? level.buyImbalance : level.sellImbalance);
      const adjacent = on && start >= 0 && level.price - levels[i - 1]!.price === this.rowSize;
      if (on && (start < 0 || adjacent)) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0 && i - start >= this.stackedLevels) {
        out.push({ side, fromPrice: levels[start]!.price, toPrice: levels[i - 1]!.price, levels: i - start });
      }
      start = on ? i : -1;
    }
    return out;
  }

  clear(): void {
    this.table.clear();
  }

  dump(): number[] {
    return this.table.dump();
  }

  load(flat: readonly number[]): void {
    this.table.clear();
    this.table.load(flat);
  }
}
