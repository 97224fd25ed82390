// Streaming technical indicators over bar values. These work in float64 on purpose: they are
// statistics for charts and signals, not money, and nothing here is ever held as a price or size.
// Each update is O(1) and allocates nothing; values read NaN until the indicator has warmed up.
export { IndicatorError, type IndicatorErrorCode } from './errors';
export { SimpleMovingAverage, ExponentialMovingAverage } from './moving-averages';
export { RelativeStrengthIndex, MovingAverageConvergenceDivergence } from './oscillators';
export { BollingerBands, AverageTrueRange } from './volatility';
