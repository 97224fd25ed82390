// Framework-free order-flow aggregates for the aggregation service. Prices and sizes are `number`
// mantissas at the instrument's price/size scale, checked with Number.isSafeInteger where they
// enter; times are UTC microseconds since the epoch. See InstrumentAggregates for the entry point.
export { AggregateError, type AggregateErrorCode } from './errors';
export { type BarKind, parseBarType, formatBarType, MICROS_PER_SECOND, MICROS_PER_DAY } from './bar-type';
export {
  type Bar,
  type BarSeriesSpec,
  type BarSeriesState,
  type EmptyBarPolicy,
  BarSeries,
  toBarEvent,
} from './bar-series';
export {
  type FootprintSpec,
  type FootprintBar,
  type FootprintLevel,
  type StackedImbalance,
  FootprintBuilder,
  rowOf,
} from './footprint';
export { pointOfControlIndex } from './point-of-control';
export {
  type VolumeProfileSpec,
  type VolumeProfileResult,
  type ProfileLevel,
  VolumeProfile,
  valueArea,
} from './volume-profile';
export { type VwapValue, type VwapState, type RollingVwapState, VwapAccumulator, RollingVwap } from './vwap';
export { type DivergenceState, DeltaDivergence } from './delta-divergence';
export {
  type DepthHeatmapSpec,
  type DepthHeatmapState,
  type HeatmapColumn,
  type DepthLevel,
  DepthHeatmap,
} from './depth-heatmap';
export { ExactSum, divRoundHalfEven, bigDivRoundHalfEven } from './exact';
export { PriceLevelTable } from './price-level-table';
export {
  type InstrumentAggregatesSpec,
  type InstrumentAggregatesState,
  type AggregatesSinks,
  type AggregatesStats,
  type SessionSummary,
  InstrumentAggregates,
  AGGRESSOR_UNKNOWN,
  AGGRESSOR_BUY,
  AGGRESSOR_SELL,
} from './instrument-aggregates';
