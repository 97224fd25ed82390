export * from './errors';
export { ReconnectBackoff, type BackoffOptions } from './reconnect-backoff';
export * from './binance/binance-feed';
export { decodeBinanceFrame, decodeBinanceDepthSnapshot } from './binance/binance-frames';
export * from './fix/fix-market-data-feed';
export { FixMarketDataDecoder } from './fix/fix-md-decoder';
export { fixTimestampMicros, fixDateTimeMicros } from '@tapeline/fix-session';
