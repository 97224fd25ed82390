import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGGRESSOR_BUY as BUY,
  AGGRESSOR_SELL as SELL,
  type Bar,
  DeltaDivergence,
  InstrumentAggregates,
} from './index';

const S = 1_000_000;
const T0 = Date.UTC(2024, 0, 2) * 1000;

test('bearish: a higher price high with a lower cumulative-delta high; bullish: the reverse at the lows', () => {
  const d = new DeltaDivergence(2);
  d.evaluate(10, 8, 5, 0);
  d.evaluate(11, 9, 8, 2);
  assert.deepEqual([d.bearish, d.bullish], [false, false]);
  d.evaluate(12, 10, 6, 3); // 12 > 11 while 6 < 8
  assert.deepEqual([d.bearish, d.bullish], [true, false]);
  d.evaluate(7, 5, 9, 4); // lows 9, 10 -> 5 is lower; cd lows 2, 3 -> 4 is higher
  assert.deepEqual([d.bearish, d.bullish], [false, true]);
  d.evaluate(13, 6, 10, 4); // higher high with a higher cd high: no divergence
  assert.deepEqual([d.bearish, d.bullish], [false, false]);
});

test('needs the full lookback before it signals, and forgets at clear()', () => {
  const d = new DeltaDivergence(3);
  d.evaluate(10, 8, 5, 0);
  d.evaluate(12, 8, 4, 0);
  assert.equal(d.bearish, false, 'only one bar remembered');
  d.clear();
  assert.deepEqual(d.snapshot(), { bars: [] });
});

test('bars carry delta, cumulative delta and divergence flags from the trades', () => {
  const bars: Bar[] = [];
  const agg = new InstrumentAggregates(
    {
      instrumentId: 'X',
      priceScale: 0,
      sizeScale: 0,
      tickSize: 1,
      bars: [{ barType: '1s', divergenceLookback: 2 }],
    },
    { onBar: (b) => bars.push(b) },
  );
  agg.onTrade(T0, 1, 100, 5, BUY); // bar 0: cd 0 -> 5, high 100
  agg.onTrade(T0 + S, 2, 101, 3, BUY); // bar 1: cd 8, high 101
  agg.onTrade(T0 + 2 * S, 3, 102, 1, BUY); // bar 2: higher high, cd 9 > 8
  agg.onTrade(T0 + 3 * S, 4, 103, 1, BUY); // bar 3: higher high...
  agg.onTrade(T0 + 3 * S + 1, 5, 103, 4, SELL); // ...but cd high 10 then 6; max(9, 10)
  agg.advanceTo(T0 + 4 * S);
  assert.deepEqual(
    bars.map((b) => [b.delta, b.cumulativeDelta, b.cumulativeDeltaHigh, b.bearishDivergence]),
    [
      [5, 5, 5, false],
      [3, 8, 8, false],
      [1, 9, 9, false],
      [-3, 6, 10, false], // cd high 10 > max(8, 9): no bearish divergence
    ],
  );
  agg.onTrade(T0 + 4 * S, 6, 104, 1, SELL); // cd high 6 (open) < 10, price 104 > 103: bearish
  agg.advanceTo(T0 + 5 * S);
  assert.deepEqual([bars[4]!.cumulativeDeltaHigh, bars[4]!.bearishDivergence], [6, true]);
});
