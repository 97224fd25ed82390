import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { aggregationV1, type eventsV1 } from '@tapeline/contracts';
import { DecimalScalar, TimestampScalar } from '../graphql/scalars';
import { decimalOf, microsOf, microsOfTimestamp } from '../graphql/wire';
import { badInput } from '../graphql/errors';
import { Connection } from '../graphql/paging';

/** "1s", "5m", "1h", "1d" (time), "tick:100", "volume:5000", "range:25" (range in ticks). */
const BAR_TYPE_RE = /^(?:[1-9]\d{0,5}[smhd]|(?:tick|volume|range):[1-9]\d{0,11})$/;

/** Checks a bar type argument; BAD_USER_INPUT naming the argument otherwise. */
export function checkBarType(barType: string, argument = 'barType'): string {
  if (!BAR_TYPE_RE.test(barType)) {
    throw badInput(
      argument,
      `must be a bar type such as "1s", "1m", "1h", "1d", "tick:100", "volume:5000" or "range:25", got "${barType}"`,
    );
  }
  return barType;
}

export enum VwapMode {
  SESSION = 'SESSION',
  ANCHORED = 'ANCHORED',
  ROLLING = 'ROLLING',
}
registerEnumType(VwapMode, { name: 'VwapMode' });

export enum IndicatorKind {
  SMA = 'SMA',
  EMA = 'EMA',
  RSI = 'RSI',
  MACD = 'MACD',
  BOLLINGER = 'BOLLINGER',
  ATR = 'ATR',
}
registerEnumType(IndicatorKind, { name: 'IndicatorKind' });

@ObjectType({ description: 'Aggressor volume at one price of a footprint bar.' })
export class FootprintLevel {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar, { description: 'Volume of trades that hit the bid.' }) bidVolume!: string;
  @Field(() => DecimalScalar, { description: 'Volume of trades that lifted the ask.' }) askVolume!: string;
  @Field(() => Int) bidTrades!: number;
  @Field(() => Int) askTrades!: number;
  @Field() askImbalance!: boolean;
  @Field() bidImbalance!: boolean;
}

@ObjectType({ description: 'An OHLCV bar with its footprint; closed = false while it is forming.' })
export class Bar {
  @Field(() => ID) instrumentId!: string;
  @Field() barType!: string;
  @Field(() => TimestampScalar) openTime!: number;
  @Field(() => TimestampScalar) closeTime!: number;
  @Field(() => DecimalScalar) open!: string;
  @Field(() => DecimalScalar) high!: string;
  @Field(() => DecimalScalar) low!: string;
  @Field(() => DecimalScalar) close!: string;
  @Field(() => DecimalScalar) volume!: string;
  @Field(() => DecimalScalar) buyVolume!: string;
  @Field(() => DecimalScalar) sellVolume!: string;
  @Field(() => Int) tradeCount!: number;
  @Field(() => DecimalScalar) vwap!: string;
  @Field() closed!: boolean;
  @Field(() => [FootprintLevel], { description: 'Lowest price first; empty on forming bars.' })
  footprint!: FootprintLevel[];
  @Field(() => DecimalScalar, { description: 'Point of control: the price with the most volume.' })
  pocPrice!: string;
}

@ObjectType({ description: 'Closed bars of one instrument and bar type in a time range, oldest first.' })
export class BarConnection extends Connection(Bar, 'Bar') {}

@ObjectType()
export class VwapBand {
  @Field(() => Int) sigmas!: number;
  @Field(() => DecimalScalar) upper!: string;
  @Field(() => DecimalScalar) lower!: string;
}

@ObjectType()
export class Vwap {
  @Field(() => ID) instrumentId!: string;
  @Field(() => DecimalScalar) vwap!: string;
  @Field(() => DecimalScalar, { description: 'Volume-weighted standard deviation of price.' })
  stdDev!: string;
  @Field(() => [VwapBand]) bands!: VwapBand[];
  @Field(() => DecimalScalar) volume!: string;
  @Field(() => TimestampScalar, { nullable: true }) asOf!: number | null;
}

@ObjectType()
export class DeltaBar {
  @Field(() => TimestampScalar) openTime!: number;
  @Field(() => DecimalScalar, { description: 'Buy minus sell aggressor volume of the bar.' }) delta!: string;
  @Field(() => DecimalScalar) cumulativeDelta!: string;
  @Field(() => DecimalScalar) close!: string;
  @Field() bearishDivergence!: boolean;
  @Field() bullishDivergence!: boolean;
}

@ObjectType()
export class Delta {
  @Field(() => [DeltaBar]) bars!: DeltaBar[];
}

@ObjectType()
export class ProfileLevel {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) volume!: string;
  @Field(() => DecimalScalar) buyVolume!: string;
  @Field(() => DecimalScalar) sellVolume!: string;
}

@ObjectType({ description: 'Volume by price, with the point of control and the value area.' })
export class VolumeProfile {
  @Field(() => [ProfileLevel]) levels!: ProfileLevel[];
  @Field(() => DecimalScalar) pocPrice!: string;
  @Field(() => DecimalScalar) valueAreaHigh!: string;
  @Field(() => DecimalScalar) valueAreaLow!: string;
  @Field(() => DecimalScalar) totalVolume!: string;
}

@ObjectType()
export class HeatmapColumn {
  @Field(() => TimestampScalar) time!: number;
  @Field(() => [DecimalScalar], { description: 'Resting bid size per price bucket, aligned with prices.' })
  bidSizes!: string[];
  @Field(() => [DecimalScalar]) askSizes!: string[];
}

@ObjectType({ description: 'Resting liquidity by price over time on a fixed grid.' })
export class Heatmap {
  @Field(() => [DecimalScalar], { description: 'Lower edge of each price bucket, ascending.' })
  prices!: string[];
  @Field(() => [HeatmapColumn]) columns!: HeatmapColumn[];
}

@ObjectType()
export class IndicatorPoint {
  @Field(() => TimestampScalar) time!: number;
  @Field(() => [Float], {
    nullable: 'items',
    description: 'Statistics, not money (binary floats); null until the indicator is warm.',
  })
  values!: (number | null)[];
}

@ObjectType()
export class IndicatorSeries {
  @Field(() => IndicatorKind) kind!: IndicatorKind;
  @Field(() => [String], { description: 'Names of `values`: e.g. macd, signal, histogram.' })
  valueNames!: string[];
  @Field(() => [IndicatorPoint]) points!: IndicatorPoint[];
}

export function toBar(e: eventsV1.BarEvent): Bar {
  const px = (m: string) => decimalOf(m, e.priceScale);
  const qty = (m: string) => decimalOf(m, e.sizeScale);
  return {
    instrumentId: e.instrumentId,
    barType: e.barType,
    openTime: microsOf(e.openTimeMicros),
    closeTime: microsOf(e.closeTimeMicros),
    open: px(e.open),
    high: px(e.high),
    low: px(e.low),
    close: px(e.close),
    volume: qty(e.volume),
    buyVolume: qty(e.buyVolume),
    sellVolume: qty(e.sellVolume),
    tradeCount: e.tradeCount,
    vwap: px(e.vwap),
    closed: e.closed,
    footprint: e.footprint.map((l) => ({
      price: px(l.price),
      bidVolume: qty(l.bidVolume),
      askVolume: qty(l.askVolume),
      bidTrades: l.bidTrades,
      askTrades: l.askTrades,
      askImbalance: l.askImbalance,
      bidImbalance: l.bidImbalance,
    })),
    pocPrice: px(e.pocPrice),
  };
}

export function toVwap(r: aggregationV1.GetVwapResponse): Vwap {
  const px = (m: string) => decimalOf(m, r.priceScale);
  return {
    instrumentId: r.instrumentId,
    vwap: px(r.vwap),
    stdDev: px(r.stdDev),
    bands: r.bands.map((b) => ({ sigmas: b.sigmas, upper: px(b.upper), lower: px(b.lower) })),
    volume: decimalOf(r.volume, r.sizeScale),
    asOf: microsOfTimestamp(r.asOf),
  };
}

export function toDelta(r: aggregationV1.GetDeltaResponse): Delta {
  return {
    bars: r.bars.map((b) => ({
      openTime: microsOfTimestamp(b.openTime) ?? 0,
      delta: decimalOf(b.delta, r.sizeScale),
      cumulativeDelta: decimalOf(b.cumulativeDelta, r.sizeScale),
      close: decimalOf(b.close, r.priceScale),
      bearishDivergence: b.bearishDivergence,
      bullishDivergence: b.bullishDivergence,
    })),
  };
}

export function toVolumeProfile(r: aggregationV1.GetVolumeProfileResponse): VolumeProfile {
  const px = (m: string) => decimalOf(m, r.priceScale);
  const qty = (m: string) => decimalOf(m, r.sizeScale);
  return {
    levels: r.levels.map((l) => ({
      price: px(l.price),
      volume: qty(l.volume),
      buyVolume: qty(l.buyVolume),
      sellVolume: qty(l.sellVolume),
    })),
    pocPrice: px(r.pocPrice),
    valueAreaHigh: px(r.valueAreaHigh),
    valueAreaLow: px(r.valueAreaLow),
    totalVolume: qty(r.totalVolume),
  };
}

export function toHeatmap(r: aggregationV1.GetHeatmapResponse): Heatmap {
  const qty = (m: string) => decimalOf(m, r.sizeScale);
  return {
    prices: r.prices.map((p) => decimalOf(p, r.priceScale)),
    columns: r.columns.map((c) => ({
      time: microsOfTimestamp(c.time) ?? 0,
      bidSizes: c.bidSizes.map(qty),
      askSizes: c.askSizes.map(qty),
    })),
  };
}

export function toIndicatorSeries(s: aggregationV1.IndicatorSeries): IndicatorSeries {
  const name = aggregationV1.IndicatorKind[s.kind].replace('INDICATOR_KIND_', '') as IndicatorKind;
  return {
    kind: name,
    valueNames: s.valueNames,
    points: s.points.map((p) => ({
      time: microsOfTimestamp(p.time) ?? 0,
      values: p.values.map((v) => (Number.isFinite(v) ? v : null)),
    })),
  };
}
