import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { eventsV1 } from '@tapeline/contracts';
import { AggregateError, type HeatmapColumn, InstrumentAggregates } from './index';

const S = 1_000_000;
const T0 = Date.UTC(2024, 0, 2) * 1000;

function depth(
  kind: 1 | 2,
  time: number,
  sequence: number,
  previous: number,
  bids: [number, number][],
  asks: [number, number][],
): eventsV1.DepthEvent {
  const levels = (l: [number, number][]) =>
    l.map(([price, size]) => ({ price: String(price), size: String(size) }));
  return {
    instrumentId: 'X',
    venue: 'SIM',
    sequence: String(sequence),
    previousSequence: String(previous),
    kind,
    priceScale: 0,
    sizeScale: 0,
    bids: levels(bids),
    asks: levels(asks),
    exchangeTimeMicros: String(time),
    receiveTimeMicros: String(time),
    publishTimeMicros: String(time),
  };
}

function setup(): { agg: InstrumentAggregates; columns: HeatmapColumn[] } {
  const columns: HeatmapColumn[] = [];
  const agg = new InstrumentAggregates(
    {
      instrumentId: 'X',
      priceScale: 0,
      sizeScale: 0,
      tickSize: 1,
      heatmap: { stepMicros: S, bucketTicks: 2 },
    },
    { onHeatmapColumn: (c) => columns.push(c) },
  );
  return { agg, columns };
}

test('each column holds the book at the end of its step, summed into price buckets', () => {
  const { agg, columns } = setup();
  agg.onDepthEvent(
    depth(
      1,
      T0 + 0.2 * S,
      1,
      0,
      [
        [99, 5],
        [98, 3],
      ],
      [
        [101, 4],
        [102, 1],
      ],
    ),
  );
  agg.onDepthEvent(
    depth(
      2,
      T0 + 0.5 * S,
      2,
      1,
      [
        [99, 0],
        [100, 7],
      ],
      [],
    ),
  );
  agg.advanceTo(T0 + S);
  assert.deepEqual(columns, [
    {
      timeMicros: T0,
      stepMicros: S,
      bucketSize: 2,
      prices: [98, 100, 102],
      bidSizes: [3, 7, 0],
      askSizes: [0, 4, 1],
    },
  ]);
  agg.advanceTo(T0 + 3 * S + 1);
  assert.deepEqual(
    columns.map((c) => [c.timeMicros - T0, c.bidSizes]),
    [
      [0, [3, 7, 0]],
      [S, [3, 7, 0]],
      [2 * S, [3, 7, 0]],
    ],
    'the standing book repeats in columns without depth events',
  );
});

test('a diff that does not follow the last sequence is a gap until the next snapshot; a redelivery is ignored', () => {
  const { agg, columns } = setup();
  agg.onDepthEvent(depth(1, T0, 1, 0, [[99, 5]], [[101, 4]]));
  assert.equal(agg.onDepthEvent(depth(2, T0 + 1, 2, 1, [[99, 6]], [])), true);
  assert.equal(agg.onDepthEvent(depth(2, T0 + 2, 2, 1, [[99, 6]], [])), false);
  const gap = (e: unknown) => e instanceof AggregateError && e.code === 'SEQUENCE_GAP';
  assert.throws(() => agg.onDepthEvent(depth(2, T0 + 3, 4, 3, [], [])), gap);
  assert.throws(() => agg.onDepthEvent(depth(2, T0 + 4, 5, 4, [], [])), gap);
  agg.advanceTo(T0 + S);
  assert.equal(columns.length, 0, 'no column from a book with a gap');
  agg.onDepthEvent(depth(1, T0 + S + 1, 6, 5, [[98, 2]], []));
  agg.advanceTo(T0 + 2 * S);
  assert.deepEqual(
    columns.map((c) => [c.timeMicros - T0, c.prices, c.bidSizes]),
    [[S, [98], [2]]],
  );
});
