import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGGRESSOR_BUY as BUY,
  AGGRESSOR_SELL as SELL,
  AggregateError,
  type Bar,
  InstrumentAggregates,
  type InstrumentAggregatesSpec,
  parseBarType,
  toBarEvent,
} from './index';

const S = 1_000_000; // µs per second
const T0 = Date.UTC(2024, 0, 2) * 1000; // a UTC midnight, in µs

function setup(spec: Partial<InstrumentAggregatesSpec> = {}): { agg: InstrumentAggregates; bars: Bar[] } {
  const bars: Bar[] = [];
  const agg = new InstrumentAggregates(
    { instrumentId: 'ESZ4', priceScale: 2, sizeScale: 0, tickSize: 1, bars: [{ barType: '1s' }], ...spec },
    { onBar: (b) => bars.push(b) },
  );
  return { agg, bars };
}

const isCode = (code: string) => (e: unknown) => e instanceof AggregateError && e.code === code;

test('a bar with a single trade has that trade as open, high, low, close and VWAP', () => {
  const { agg, bars } = setup();
  agg.onTrade(T0 + S + 500, 1, 100, 5, BUY);
  agg.advanceTo(T0 + 2 * S);
  assert.equal(bars.length, 1);
  assert.deepEqual(
    [
      bars[0]!.openTimeMicros,
      bars[0]!.closeTimeMicros,
      bars[0]!.open,
      bars[0]!.high,
      bars[0]!.low,
      bars[0]!.close,
    ],
    [T0 + S, T0 + 2 * S, 100, 100, 100, 100],
  );
  assert.deepEqual(
    [
      bars[0]!.volume,
      bars[0]!.buyVolume,
      bars[0]!.sellVolume,
      bars[0]!.tradeCount,
      bars[0]!.vwap,
      bars[0]!.delta,
    ],
    [5, 5, 0, 1, 100, 5],
  );
  assert.equal(bars[0]!.closed, true);
});

test('OHLCV, aggressor volumes, delta and VWAP of a bar match a hand computation', () => {
  const { agg, bars } = setup();
  agg.onTrade(T0 + 100, 1, 100, 2, BUY);
  agg.onTrade(T0 + 200, 2, 102, 1, SELL);
  agg.onTrade(T0 + 300, 3, 99, 3, BUY);
  agg.onTrade(T0 + 400, 4, 101, 4, SELL);
  agg.onTrade(T0 + S, 5, 101, 1, BUY); // a later trade closes the bar
  const b = bars[0]!;
  assert.deepEqual(
    [b.open, b.high, b.low, b.close, b.volume, b.buyVolume, b.sellVolume],
    [100, 102, 99, 101, 10, 5, 5],
  );
  assert.equal(b.delta, 0);
  assert.equal(b.vwap, 100); // 1003 / 10 = 100.3
  assert.equal(b.cumulativeDelta, 0);
  assert.equal(b.cumulativeDeltaHigh, 4); // 2 - 1 + 3
  assert.equal(b.cumulativeDeltaLow, 0); // the bar opened at 0
});

test('bar VWAP rounds half to even', () => {
  const { agg, bars } = setup();
  agg.onTrade(T0, 1, 100, 1, BUY);
  agg.onTrade(T0 + 1, 2, 101, 1, BUY); // 100.5 -> 100
  agg.onTrade(T0 + S, 3, 101, 1, BUY);
  agg.onTrade(T0 + S + 1, 4, 102, 1, BUY); // 101.5 -> 102
  agg.advanceTo(T0 + 2 * S);
  assert.deepEqual(
    bars.map((b) => b.vwap),
    [100, 102],
  );
});

test('an empty time window closes as a flat bar at the previous close with zero volume', () => {
  const { agg, bars } = setup();
  agg.onTrade(T0 + 10, 1, 100, 1, BUY);
  agg.onTrade(T0 + 20, 2, 103, 1, BUY);
  agg.onTrade(T0 + 2 * S + 5, 3, 104, 1, SELL);
  assert.equal(bars.length, 2);
  const empty = bars[1]!;
  assert.deepEqual([empty.openTimeMicros, empty.closeTimeMicros], [T0 + S, T0 + 2 * S]);
  assert.deepEqual([empty.open, empty.high, empty.low, empty.close, empty.vwap], [103, 103, 103, 103, 103]);
  assert.deepEqual([empty.volume, empty.tradeCount, empty.delta, empty.cumulativeDelta], [0, 0, 0, 2]);
});

test('advanceTo closes bars without trades and a forming empty window reads as a flat bar', () => {
  const { agg, bars } = setup();
  agg.advanceTo(T0 + 5 * S);
  assert.equal(bars.length, 0, 'no bars before the first trade: there is no close to repeat');
  agg.onTrade(T0 + 5 * S, 1, 100, 1, BUY);
  agg.advanceTo(T0 + 8 * S + 1);
  assert.deepEqual(
    bars.map((b) => [b.openTimeMicros - T0, b.volume]),
    [
      [5 * S, 1],
      [6 * S, 0],
      [7 * S, 0],
    ],
  );
  const forming = agg.formingBar('1s')!;
  assert.deepEqual(
    [forming.openTimeMicros - T0, forming.close, forming.volume, forming.closed],
    [8 * S, 100, 0, false],
  );
});

test("'skip' emits no empty bars and a gap beyond maxEmptyBarsPerGap is skipped whole", () => {
  const skip = setup({ emptyBars: 'skip' });
  skip.agg.onTrade(T0, 1, 100, 1, BUY);
  skip.agg.onTrade(T0 + 3 * S, 2, 100, 1, BUY);
  assert.equal(skip.bars.length, 1);
  const capped = setup({ maxEmptyBarsPerGap: 2 });
  capped.agg.onTrade(T0, 1, 100, 1, BUY);
  capped.agg.onTrade(T0 + 3 * S, 2, 100, 1, BUY); // 2 empty windows: filled
  capped.agg.onTrade(T0 + 7 * S, 3, 100, 1, BUY); // 3 empty windows: skipped
  assert.deepEqual(
    capped.bars.map((b) => (b.openTimeMicros - T0) / S),
    [0, 1, 2, 3],
  );
});

test('time bars align to UTC boundaries and a trade on the boundary opens the next bar', () => {
  const { agg, bars } = setup({ bars: [{ barType: '1m' }, { barType: '1d' }] });
  agg.onTrade(T0 + 59 * S + 999_999, 1, 100, 1, BUY);
  agg.onTrade(T0 + 60 * S, 2, 101, 1, BUY);
  assert.equal(bars.length, 1);
  assert.deepEqual(
    [bars[0]!.barType, bars[0]!.openTimeMicros, bars[0]!.closeTimeMicros],
    ['1m', T0, T0 + 60 * S],
  );
  agg.advanceTo(T0 + 86_400 * S);
  const daily = bars.find((b) => b.barType === '1d')!;
  assert.deepEqual([daily.openTimeMicros, daily.volume, daily.close], [T0, 2, 101]);
});

test('bar types parse to canonical names and frames that do not divide a day are refused', () => {
  assert.deepEqual(parseBarType('60s'), { kind: 'time', frameMicros: 60 * S });
  assert.deepEqual(parseBarType('range:25'), { kind: 'range', ticks: 25 });
  assert.throws(() => parseBarType('7m'), isCode('INVALID_BAR_TYPE'));
  assert.throws(() => parseBarType('2d'), isCode('INVALID_BAR_TYPE'));
  assert.throws(() => parseBarType('tick:0'), isCode('INVALID_BAR_TYPE'));
  const { agg } = setup({ bars: [{ barType: '60s' }] });
  assert.deepEqual(agg.barTypes, ['1m']);
});

test('tick bars close after N trades, at the time of their last trade', () => {
  const { agg, bars } = setup({ bars: [{ barType: 'tick:3' }] });
  for (let i = 1; i <= 7; i++) agg.onTrade(T0 + i * 10, i, 100 + i, 1, BUY);
  assert.deepEqual(
    bars.map((b) => [b.open, b.close, b.tradeCount, b.openTimeMicros - T0, b.closeTimeMicros - T0]),
    [
      [101, 103, 3, 10, 30],
      [104, 106, 3, 40, 60],
    ],
  );
  assert.equal(agg.formingBar('tick:3')!.tradeCount, 1);
  agg.advanceTo(T0 + 3600 * S);
  assert.equal(bars.length, 2, 'time does not close activity bars');
});

test('volume bars close once the volume reaches V, the closing trade included whole', () => {
  const { agg, bars } = setup({ bars: [{ barType: 'volume:10' }] });
  [4, 4, 4, 6, 4, 3].forEach((size, i) => agg.onTrade(T0 + i, i + 1, 100, size, i % 2 ? SELL : BUY));
  assert.deepEqual(
    bars.map((b) => [b.volume, b.tradeCount, b.buyVolume, b.sellVolume]),
    [
      [12, 3, 8, 4],
      [10, 2, 4, 6],
    ],
  );
  assert.equal(agg.formingBar('volume:10')!.volume, 3);
});

test('range bars hold at most R ticks: the trade that would exceed it opens the next bar', () => {
  const { agg, bars } = setup({ tickSize: 25, bars: [{ barType: 'range:2' }] });
  [1000, 1025, 1050, 1025, 1075, 1050, 1000].forEach((p, i) => agg.onTrade(T0 + i, i + 1, p, 1, BUY));
  assert.deepEqual(
    bars.map((b) => [b.open, b.high, b.low, b.close]),
    [
      [1000, 1050, 1000, 1025],
      [1075, 1075, 1050, 1050],
    ],
  );
  assert.deepEqual([agg.formingBar('range:2')!.open, agg.formingBar('range:2')!.tradeCount], [1000, 1]);
});

test('a trade with a sequence at or below the last applied one is ignored (replay does not double-count)', () => {
  const { agg, bars } = setup();
  const feed = (): void => {
    agg.onTrade(T0 + 1, 10, 100, 1, BUY);
    agg.onTrade(T0 + 2, 11, 101, 2, SELL);
  };
  feed();
  feed(); // redelivery
  assert.equal(agg.onTrade(T0 + 3, 5, 102, 9, BUY), false);
  agg.advanceTo(T0 + S);
  assert.deepEqual([bars[0]!.volume, bars[0]!.tradeCount, bars[0]!.high], [3, 2, 101]);
  assert.deepEqual([agg.stats.trades, agg.stats.duplicateTrades], [2, 3]);
  assert.equal(agg.cumulativeDelta, -1);
});

test('a trade stamped before the watermark counts in the bar forming at the watermark', () => {
  const { agg, bars } = setup();
  agg.onTrade(T0 + 10, 1, 100, 1, BUY);
  agg.advanceTo(T0 + S + 10);
  agg.onTrade(T0 + 500, 2, 101, 1, BUY); // late: bar [0, 1s) already closed
  agg.advanceTo(T0 + 2 * S);
  assert.deepEqual(
    bars.map((b) => [(b.openTimeMicros - T0) / S, b.volume, b.close]),
    [
      [0, 1, 100],
      [1, 1, 101],
    ],
  );
  assert.equal(agg.stats.lateTrades, 1);
});

test('a closed bar converts to an eventsV1.BarEvent with int64 fields as strings', () => {
  const { agg, bars } = setup({ bars: [{ barType: '1s', footprint: true }] });
  agg.onTrade(T0 + 1, 1, 100, 2, BUY);
  agg.onTrade(T0 + 2, 2, 101, 3, SELL);
  const forming = toBarEvent(agg.formingBar('1s')!, 2, 0);
  assert.deepEqual([forming.closed, forming.footprint.length, forming.pocPrice], [false, 0, '101']);
  agg.advanceTo(T0 + S);
  const e = toBarEvent(bars[0]!, 2, 0);
  assert.deepEqual(
    [
      e.instrumentId,
      e.barType,
      e.openTimeMicros,
      e.open,
      e.close,
      e.volume,
      e.buyVolume,
      e.sellVolume,
      e.vwap,
    ],
    ['ESZ4', '1s', String(T0), '100', '101', '5', '2', '3', '101'],
  );
  assert.deepEqual([e.tradeCount, e.closed, e.priceScale, e.sizeScale], [2, true, 2, 0]);
  assert.deepEqual(e.footprint[1], {
    price: '101',
    bidVolume: '3',
    askVolume: '0',
    bidTrades: 1,
    askTrades: 0,
    askImbalance: false,
    bidImbalance: true, // 3 against no ask one tick higher
  });
});
