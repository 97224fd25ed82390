import test from 'node:test';
import assert from 'node:assert/strict';
import { BinanceFeed } from './binance/binance-feed';
import { FeedConfigError } from './errors';
import { FixMarketDataFeed } from './fix/fix-market-data-feed';

test('refuses backoff options that cannot work with FeedConfigError, naming the option', () => {
  assert.throws(
    () =>
      new BinanceFeed({
        wsUrl: 'wss://x',
        restUrl: 'https://x',
        symbols: ['BTCUSDT'],
        backoff: { baseMs: 500, maxMs: 100 },
      }),
    (err) => err instanceof FeedConfigError && /maxMs \(100\) must be >= baseMs \(500\)/.test(err.message),
  );
  const fix = { host: '127.0.0.1', port: 9878, senderCompId: 'A', targetCompId: 'B', symbols: ['EUR/USD'] };
  assert.throws(
    () => new FixMarketDataFeed({ ...fix, backoff: { jitter: 1.5 } }),
    (err) => err instanceof FeedConfigError && /jitter must be within 0..1, got 1.5/.test(err.message),
  );
});
