import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGGRESSOR_BUY as BUY,
  AGGRESSOR_SELL as SELL,
  InstrumentAggregates,
  RollingVwap,
  type SessionSummary,
  VwapAccumulator,
} from './index';

const S = 1_000_000;
const H = 3600 * S;
const T0 = Date.UTC(2024, 0, 2) * 1000;

test('VWAP and its 1/2/3-sigma bands match a hand computation', () => {
  const v = new VwapAccumulator();
  v.add(100, 1);
  v.add(102, 1);
  v.add(104, 2);
  // sum pv = 410, V = 4: 102.5 -> 102 (half-even); variance (6.25 + 0.25 + 2 * 2.25) / 4 = 2.75.
  const r = v.read()!;
  assert.deepEqual([r.vwap, r.volume], [102, 4]);
  assert.ok(Math.abs(r.stdDev - Math.sqrt(2.75)) < 1e-12);
  assert.deepEqual([r.upper1, r.upper2, r.upper3], [104, 106, 107]); // 104.16, 105.82, 107.47
  assert.deepEqual([r.lower1, r.lower2, r.lower3], [101, 99, 98]); // 100.84, 99.18, 97.52
  v.reset();
  assert.equal(v.read(), null);
});

test('VWAP stays exact when notional and second moments pass 2^53', () => {
  const v = new VwapAccumulator();
  v.add(1, 1_000_000);
  v.add(9_000_000_000_001, 1_000_000); // v * d = 9e18, v * d^2 = 8.1e31
  const r = v.read()!;
  assert.equal(r.vwap, 4_500_000_000_001);
  assert.equal(r.stdDev, 4_500_000_000_000);
  assert.equal(r.upper1, 9_000_000_000_001);
});

test('rolling VWAP keeps the last N whole seconds', () => {
  const r = new RollingVwap(10);
  r.add(T0 + 100, 100, 1);
  r.add(T0 + 9 * S + 5, 110, 1);
  assert.equal(r.read()!.vwap, 105);
  r.advanceTo(T0 + 10 * S); // window (0 s, 10 s]: the trade of second 0 leaves
  assert.equal(r.read()!.vwap, 110);
  r.advanceTo(T0 + 19 * S);
  assert.equal(r.read(), null);
  r.add(T0 + 500 * S, 120, 3);
  assert.deepEqual([r.read()!.vwap, r.read()!.volume], [120, 3]);
});

test('session VWAP and cumulative delta restart at the configured UTC session start', () => {
  const sessions: SessionSummary[] = [];
  const agg = new InstrumentAggregates(
    {
      instrumentId: 'AAPL',
      priceScale: 2,
      sizeScale: 0,
      tickSize: 1,
      sessionStartMicrosOfDay: 13 * H + 30 * 60 * S,
    },
    { onSessionClose: (s) => sessions.push(s) },
  );
  agg.onTrade(T0 + 13 * H, 1, 100, 4, BUY);
  agg.onTrade(T0 + 13 * H + 1, 2, 104, 1, SELL);
  assert.equal(agg.cumulativeDelta, 3);
  agg.onTrade(T0 + 14 * H, 3, 110, 2, SELL);
  assert.equal(sessions.length, 1);
  const s = sessions[0]!;
  assert.deepEqual(
    [s.sessionStartMicros, s.sessionEndMicros, s.vwap!.vwap, s.cumulativeDelta, s.profile!.pocPrice],
    [T0 - 10.5 * H, T0 + 13.5 * H, 101, 3, 100], // 504 / 5 = 100.8 -> 101
  );
  assert.deepEqual([agg.sessionVwapValue()!.vwap, agg.cumulativeDelta], [110, -2]);
  assert.deepEqual(agg.sessionProfile()!.levels, [{ price: 110, volume: 2, buyVolume: 0, sellVolume: 2 }]);
});

test('anchored VWAP takes only trades at or after its anchor', () => {
  const agg = new InstrumentAggregates({ instrumentId: 'X', priceScale: 0, sizeScale: 0, tickSize: 1 });
  agg.addAnchoredVwap('open', T0 + 5 * S);
  agg.onTrade(T0 + S, 1, 100, 1, BUY);
  agg.onTrade(T0 + 5 * S, 2, 110, 1, BUY);
  agg.onTrade(T0 + 6 * S, 3, 120, 1, BUY);
  assert.equal(agg.anchoredVwapValue('open')!.vwap, 115);
  assert.equal(agg.sessionVwapValue()!.vwap, 110);
  assert.equal(agg.removeAnchoredVwap('open'), true);
});

test('rolling VWAPs configured on the instrument follow advanceTo', () => {
  const agg = new InstrumentAggregates({
    instrumentId: 'X',
    priceScale: 0,
    sizeScale: 0,
    tickSize: 1,
    rollingVwapSeconds: [60],
  });
  agg.onTrade(T0, 1, 100, 1, BUY);
  agg.onTrade(T0 + 30 * S, 2, 104, 3, BUY);
  assert.equal(agg.rollingVwapValue(60)!.vwap, 103);
  agg.advanceTo(T0 + 60 * S);
  assert.equal(agg.rollingVwapValue(60)!.vwap, 104);
});
