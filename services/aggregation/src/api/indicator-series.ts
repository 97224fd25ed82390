import { aggregationV1 } from '@tapeline/contracts';
import {
  AverageTrueRange,
  BollingerBands,
  ExponentialMovingAverage,
  MovingAverageConvergenceDivergence,
  RelativeStrengthIndex,
  SimpleMovingAverage,
} from '@tapeline/indicators';
import type { StoredBar } from '../history/bar-store';
import { timestamp } from './bar-mapper';

const Kind = aggregationV1.IndicatorKind;

/** The contract's defaults when period is 0 (MACD always runs 12/26/9). */
const DEFAULT_PERIOD: Partial<Record<aggregationV1.IndicatorKind, number>> = {
  [Kind.INDICATOR_KIND_SMA]: 20,
  [Kind.INDICATOR_KIND_EMA]: 20,
  [Kind.INDICATOR_KIND_RSI]: 14,
  [Kind.INDICATOR_KIND_BOLLINGER]: 20,
  [Kind.INDICATOR_KIND_ATR]: 14,
};

export const ALL_INDICATORS: readonly aggregationV1.IndicatorKind[] = [
  Kind.INDICATOR_KIND_SMA,
  Kind.INDICATOR_KIND_EMA,
  Kind.INDICATOR_KIND_RSI,
  Kind.INDICATOR_KIND_MACD,
  Kind.INDICATOR_KIND_BOLLINGER,
  Kind.INDICATOR_KIND_ATR,
];

/** How many bars before the first returned one an indicator needs to have warmed up. */
export function warmupBars(kinds: readonly aggregationV1.IndicatorKind[], period: number): number {
  return Math.max(35, ...kinds.map((k) => 3 * (period || DEFAULT_PERIOD[k] || 0)));
}

interface Runner {
  names: string[];
  update(bar: { high: number; low: number; close: number }): number[];
}

function runner(kind: aggregationV1.IndicatorKind, period: number): Runner {
  const p = period || DEFAULT_PERIOD[kind] || 0;
  switch (kind) {
    case Kind.INDICATOR_KIND_SMA: {
      const sma = new SimpleMovingAverage(p);
      return { names: ['sma'], update: (b) => [sma.update(b.close)] };
    }
    case Kind.INDICATOR_KIND_EMA: {
      const ema = new ExponentialMovingAverage(p);
      return { names: ['ema'], update: (b) => [ema.update(b.close)] };
    }
    case Kind.INDICATOR_KIND_RSI: {
      const rsi = new RelativeStrengthIndex(p);
      return { names: ['rsi'], update: (b) => [rsi.update(b.close)] };
    }
    case Kind.INDICATOR_KIND_MACD: {
      const macd = new MovingAverageConvergenceDivergence();
      return {
        names: ['macd', 'signal', 'histogram'],
        update: (b) => (macd.update(b.close), [macd.value, macd.signal, macd.histogram]),
      };
    }
    case Kind.INDICATOR_KIND_BOLLINGER: {
      const bb = new BollingerBands(p);
      return {
        names: ['middle', 'upper', 'lower'],
        update: (b) => (bb.update(b.close), [bb.middle, bb.upper, bb.lower]),
      };
    }
    case Kind.INDICATOR_KIND_ATR: {
      const atr = new AverageTrueRange(p);
      return { names: ['atr'], update: (b) => [atr.update(b.high, b.low, b.close)] };
    }
    default:
      throw new RangeError(`kinds contains an invalid value ${kind as number}`);
  }
}

/**
 * Indicator series over closed bars (oldest first), in price units (mantissa / 10^scale: the
 * indicators are statistics, doubles by contract), keeping the last `limit` points of each.
 */
export function indicatorSeries(
  bars: readonly StoredBar[],
  kinds: readonly aggregationV1.IndicatorKind[],
  period: number,
  limit: number,
): aggregationV1.IndicatorSeries[] {
  const runners = kinds.map((k) => runner(k, period));
  const points: aggregationV1.IndicatorPoint[][] = kinds.map(() => []);
  const first = Math.max(0, bars.length - limit);
  bars.forEach((row, i) => {
    const unit = 10 ** row.price_scale;
    const bar = {
      high: Number(row.high) / unit,
      low: Number(row.low) / unit,
      close: Number(row.close) / unit,
    };
    runners.forEach((r, k) => {
      const values = r.update(bar);
      if (i >= first) points[k]!.push({ time: timestamp(row.open_us), values });
    });
  });
  return kinds.map((kind, k) => ({ kind, valueNames: runners[k]!.names, points: points[k]! }));
}
