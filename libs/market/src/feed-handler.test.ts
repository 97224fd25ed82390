import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsV1 } from '@tapeline/contracts';
import type { RawDepth, RawMarketEvent, RawTrade } from './feed';
import { FeedHandler } from './feed-handler';
import { fixedClock, RecordingOutput, testResolver } from './testing/recording-output';

const T0 = 1_767_225_600_000_000n;

function setup() {
  const time = fixedClock(T0);
  const out = new RecordingOutput();
  const handler = new FeedHandler({
    resolver: testResolver(),
    output: out,
    clock: time.clock,
    staleFeed: { thresholdMicros: 10_000_000n },
    outliers: { window: 5, minSamples: 5, bandRatio: 0.02 },
  });
  return { time, out, handler };
}

const snapshot: RawDepth = {
  type: 'depth',
  kind: 'snapshot',
  venue: 'SIM',
  symbol: 'AAPL',
  exchangeTimeMicros: T0,
  receiveTimeMicros: T0,
  sequence: 1n,
  bids: [['189.50', '10']],
  asks: [['189.52', '10']],
};

function trade(price: string, at: bigint): RawTrade {
  return {
    type: 'trade',
    venue: 'SIM',
    symbol: 'AAPL',
    exchangeTimeMicros: at,
    receiveTimeMicros: at,
    tradeId: price,
    price,
    size: '1',
    aggressor: 'buy',
  };
}

test('a disconnect raises a critical alert and stales the books; the reconnect asks for snapshots', () => {
  const { out, handler } = setup();
  handler.onEvent(snapshot);
  handler.onStatus({ state: 'disconnected', venue: 'SIM', reason: 'socket closed' });
  assert.equal(handler.books.state('AAPL.XNAS', 'SIM'), 'stale');
  assert.equal(out.alerts[0]!.kind, eventsV1.AlertKind.ALERT_KIND_STALE_FEED);
  assert.equal(out.alerts[0]!.severity, eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL);
  assert.match(out.alerts[0]!.message, /socket closed/);
  handler.onStatus({ state: 'connected', venue: 'SIM' });
  assert.deepEqual(
    out.resyncs.map((r) => [r.symbol, r.reason]),
    [['AAPL', 'reconnect']],
  );
});

test('check() reports instruments that went quiet, measured on the receive time', () => {
  const { out, handler } = setup();
  handler.onEvent(snapshot);
  handler.onEvent(trade('189.51', T0 + 4_000_000n));
  handler.check(T0 + 14_000_000n);
  assert.equal(out.alerts.length, 0);
  handler.check(T0 + 14_000_001n);
  assert.equal(out.alerts.length, 1);
  assert.equal(out.alerts[0]!.kind, eventsV1.AlertKind.ALERT_KIND_STALE_FEED);
  assert.equal(out.alerts[0]!.instrumentId, 'AAPL.XNAS');
});

test('publishes an outlier trade and raises an OUTLIER_PRICE alert beside it', () => {
  const { out, handler } = setup();
  for (let i = 0; i < 5; i++) handler.onEvent(trade('189.50', T0 + BigInt(i)));
  handler.onEvent(trade('199.50', T0 + 10n)); // 5.3% away, band 2%
  assert.equal(out.trades.length, 6);
  assert.equal(out.alerts.length, 1);
  assert.equal(out.alerts[0]!.kind, eventsV1.AlertKind.ALERT_KIND_OUTLIER_PRICE);
  assert.equal(out.alerts[0]!.attributes.price, '199.50');
  assert.equal(out.alerts[0]!.attributes.reference, '189.50');
});

test('an event of unknown type is counted as malformed, not thrown', () => {
  const { handler } = setup();
  handler.onEvent({ type: 'bar', venue: 'SIM' } as unknown as RawMarketEvent);
  assert.equal(handler.normaliser.rejectionCount('SIM', 'malformed_message'), 1);
});
