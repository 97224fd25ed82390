import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { eventsV1 } from '@tapeline/contracts';
import {
  AGGRESSOR_BUY as BUY,
  AGGRESSOR_SELL as SELL,
  AGGRESSOR_UNKNOWN as UNKNOWN,
  AggregateError,
  type AggregatesSinks,
  type Bar,
  type HeatmapColumn,
  InstrumentAggregates,
  type InstrumentAggregatesSpec,
  type SessionSummary,
} from './index';

const S = 1_000_000;
const T0 = Date.UTC(2024, 0, 2) * 1000;
const isCode = (code: string) => (e: unknown) => e instanceof AggregateError && e.code === code;

function tradeEvent(over: Partial<eventsV1.TradeEvent> = {}): eventsV1.TradeEvent {
  return {
    instrumentId: 'ESZ4',
    venue: 'SIM',
    sequence: '1',
    tradeId: 't1',
    priceScale: 2,
    sizeScale: 0,
    price: '450025',
    size: '3',
    aggressorSide: BUY,
    exchangeTimeMicros: String(T0 + 5),
    receiveTimeMicros: String(T0 + 9),
    publishTimeMicros: String(T0 + 10),
    ...over,
  };
}

const es = (): InstrumentAggregates =>
  new InstrumentAggregates({
    instrumentId: 'ESZ4',
    priceScale: 2,
    sizeScale: 0,
    tickSize: { mantissa: 25n, scale: 2 },
    bars: [{ barType: '1m' }],
  });

test('takes trade events off the wire with the exchange time, or the receive time when it is 0', () => {
  const agg = es();
  assert.equal(agg.onTradeEvent(tradeEvent()), true);
  assert.equal(
    agg.onTradeEvent(tradeEvent({ sequence: '2', exchangeTimeMicros: '0', aggressorSide: SELL })),
    true,
  );
  const bar = agg.formingBar('1m')!;
  assert.deepEqual(
    [bar.volume, bar.buyVolume, bar.sellVolume, bar.close, bar.openTimeMicros],
    [6, 3, 3, 450025, T0],
  );
  assert.equal(agg.onTradeEvent(tradeEvent()), false, 'redelivered');
});

test('rejects bad trades with typed errors naming the problem', () => {
  const agg = es();
  assert.throws(() => agg.onTrade(T0, 1, 450010, 1, BUY), isCode('OFF_TICK_PRICE'));
  assert.throws(() => agg.onTrade(T0, 1, 450025, 0, BUY), isCode('NON_POSITIVE_SIZE'));
  assert.throws(() => agg.onTrade(T0, 1, 450025, 1, 3), isCode('INVALID_SIDE'));
  assert.throws(() => agg.onTrade(T0, 1, 2 ** 53, 1, BUY), isCode('UNSAFE_INTEGER'));
  assert.throws(() => agg.onTrade(T0 + 0.5, 1, 450025, 1, BUY), isCode('UNSAFE_INTEGER'));
  assert.throws(() => agg.onTradeEvent(tradeEvent({ size: '9007199254740993' })), isCode('UNSAFE_INTEGER'));
  assert.throws(() => agg.onTradeEvent(tradeEvent({ priceScale: 4 })), isCode('SCALE_MISMATCH'));
  assert.throws(() => agg.onTradeEvent(tradeEvent({ instrumentId: 'NQZ4' })), isCode('INSTRUMENT_MISMATCH'));
  assert.equal(agg.stats.trades, 0);
});

test('rejects a bad spec: a tick size off the price scale, a repeated bar type', () => {
  const spec = { instrumentId: 'X', priceScale: 2, sizeScale: 0 };
  assert.throws(
    () => new InstrumentAggregates({ ...spec, tickSize: { mantissa: 5n, scale: 3 } }),
    (e: unknown) => e instanceof Error && /does not fit/.test(e.message),
  );
  assert.throws(
    () => new InstrumentAggregates({ ...spec, tickSize: 1, bars: [{ barType: '1m' }, { barType: '60s' }] }),
    isCode('INVALID_SPEC'),
  );
});

test('infers a missing aggressor from the quote, then from the tick rule', () => {
  const agg = new InstrumentAggregates({ instrumentId: 'X', priceScale: 0, sizeScale: 0, tickSize: 1 });
  agg.onTrade(T0, 1, 100, 1, UNKNOWN); // no quote, no previous trade: buy
  agg.onTrade(T0 + 1, 2, 99, 2, UNKNOWN); // downtick: sell
  agg.onTrade(T0 + 2, 3, 99, 4, UNKNOWN); // unchanged: as before, sell
  assert.equal(agg.cumulativeDelta, 1 - 2 - 4);
  agg.onQuote(T0 + 3, 1, 100, 104);
  agg.onTrade(T0 + 4, 4, 104, 8, UNKNOWN); // at the ask: buy
  agg.onTrade(T0 + 5, 5, 100, 16, UNKNOWN); // at the bid: sell
  agg.onTrade(T0 + 6, 6, 103, 32, UNKNOWN); // above the mid: buy
  agg.onTrade(T0 + 7, 7, 102, 64, UNKNOWN); // at the mid: tick rule, down from 103: sell
  assert.equal(agg.cumulativeDelta, -5 + 8 - 16 + 32 - 64);
  assert.equal(agg.onQuote(T0 + 8, 1, 90, 95), false, 'stale quote');
  assert.equal(agg.stats.inferredSides, 7);
});

// A random walk on the tick grid through every aggregate: replaying it in two halves through a
// JSON snapshot must give exactly what one uninterrupted run gives.
function spec(): InstrumentAggregatesSpec {
  return {
    instrumentId: 'CLZ4',
    priceScale: 2,
    sizeScale: 0,
    tickSize: 1,
    sessionStartMicrosOfDay: 22 * 3600 * S,
    bars: [
      { barType: '1s' },
      { barType: '1m', footprint: { imbalanceRatio: 2, stackedLevels: 2 }, divergenceLookback: 3 },
      { barType: 'tick:50' },
      { barType: 'volume:400' },
      { barType: 'range:8' },
    ],
    rollingVwapSeconds: [30],
    heatmap: { stepMicros: 5 * S, bucketTicks: 4 },
  };
}

interface Run {
  bars: Bar[];
  sessions: SessionSummary[];
  columns: HeatmapColumn[];
}

function sinks(run: Run): AggregatesSinks {
  return {
    onBar: (b) => run.bars.push(b),
    onSessionClose: (s) => run.sessions.push(s),
    onHeatmapColumn: (c) => run.columns.push(c),
  };
}

function events(n: number): ((agg: InstrumentAggregates) => void)[] {
  let seed = 42;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const out: ((agg: InstrumentAggregates) => void)[] = [];
  let price = 7000;
  let time = T0 + 21 * 3600 * S; // one hour before the session start
  let depthSeq = 0;
  for (let i = 1; i <= n; i++) {
    time += Math.floor(rnd() * 4 * S);
    price += Math.floor(rnd() * 5) - 2;
    const [t, p, size, side] = [time, price, 1 + Math.floor(rnd() * 20), rnd() < 0.5 ? BUY : SELL];
    out.push((agg) => agg.onTrade(t, i, p, size, side));
    if (i % 10 === 0) {
      const seq = ++depthSeq;
      const bids: [number, number][] = [0, 1, 2, 3].map((k) => [p - 1 - k, 10 + k]);
      const asks: [number, number][] = [0, 1, 2, 3].map((k) => [p + 1 + k, 20 + k]);
      out.push((agg) => agg.onBookSnapshot(t, seq, bids, asks));
    }
  }
  return out;
}

test('a JSON snapshot restored mid-stream continues exactly like the uninterrupted run', () => {
  const all = events(3000);
  const whole: Run = { bars: [], sessions: [], columns: [] };
  const a = new InstrumentAggregates(spec(), sinks(whole));
  a.addAnchoredVwap('a1', T0 + 22 * 3600 * S + 600 * S);
  all.forEach((e) => e(a));

  const split: Run = { bars: [], sessions: [], columns: [] };
  const b = new InstrumentAggregates(spec(), sinks(split));
  b.addAnchoredVwap('a1', T0 + 22 * 3600 * S + 600 * S);
  all.slice(0, 1700).forEach((e) => e(b));
  const saved = JSON.parse(JSON.stringify(b.snapshot()));
  const c = InstrumentAggregates.restore(spec(), saved, sinks(split));
  all.slice(1700).forEach((e) => e(c));
  all.slice(1200, 1700).forEach((e) => e(c)); // a redelivered stretch changes nothing

  assert.ok(whole.bars.length > 500 && whole.sessions.length === 1 && whole.columns.length > 100);
  assert.deepEqual(split.bars, whole.bars);
  assert.deepEqual(split.sessions, whole.sessions);
  assert.deepEqual(split.columns, whole.columns);
  for (const type of a.barTypes) assert.deepEqual(c.formingBar(type), a.formingBar(type));
  assert.deepEqual(c.sessionVwapValue(), a.sessionVwapValue());
  assert.deepEqual(c.anchoredVwapValue('a1'), a.anchoredVwapValue('a1'));
  assert.deepEqual(c.rollingVwapValue(30), a.rollingVwapValue(30));
  assert.deepEqual(c.sessionProfile(), a.sessionProfile());
  assert.equal(c.cumulativeDelta, a.cumulativeDelta);
  assert.equal(c.stats.trades, a.stats.trades);
});

test('refuses a snapshot of another instrument or another spec', () => {
  const a = new InstrumentAggregates(spec());
  const state = a.snapshot();
  assert.throws(
    () => InstrumentAggregates.restore({ ...spec(), instrumentId: 'OTHER' }, state),
    isCode('INVALID_SNAPSHOT'),
  );
  assert.throws(
    () => InstrumentAggregates.restore({ ...spec(), bars: [] }, state),
    isCode('INVALID_SNAPSHOT'),
  );
});
