import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VolumeProfile, valueArea } from './index';

function profile(levels: [number, number][], spec = {}): VolumeProfile {
  const p = new VolumeProfile(1, spec);
  for (const [price, volume] of levels) p.add(price, volume, true);
  return p;
}

// A bell-shaped session around 99; `at100` and `at101` vary the rows just above the POC.
const bell = (at100: number, at101: number): [number, number][] => [
  [95, 1],
  [96, 2],
  [97, 5],
  [98, 9],
  [99, 12],
  [100, at100],
  [101, at101],
  [102, 3],
  [103, 1],
];

test('value area expands from the POC by the larger pair of rows until 70 % is covered', () => {
  // total 49, target ceil(34.3) = 35; POC 99 (12).
  // above 100+101 = 16 > below 98+97 = 14 -> 28; above 102+103 = 4 < below 14 -> 42 >= 35.
  const r = profile(bell(10, 6)).read();
  assert.deepEqual(
    [r.totalVolume, r.pocPrice, r.valueAreaLow, r.valueAreaHigh, r.valueAreaVolume],
    [49, 99, 97, 101, 42],
  );
});

test('when the two pairs tie, both are added', () => {
  // total 47, target 33; POC 99 (12); above 8+6 = 14 = below 9+5 = 14 -> 12 + 28 = 40.
  const r = profile(bell(8, 6)).read();
  assert.deepEqual([r.valueAreaLow, r.valueAreaHigh, r.valueAreaVolume], [97, 101, 40]);
});

test('a side with no rows left gives way to the other; one remaining row is offered alone', () => {
  // POC at the top (100: 10). Only rows below: 99+98 = 6 -> 16; 97 (1) alone -> 17 >= ceil(0.7 * 17).
  const r = profile([
    [97, 1],
    [98, 2],
    [99, 4],
    [100, 10],
  ]).read();
  assert.deepEqual([r.pocPrice, r.valueAreaLow, r.valueAreaHigh, r.valueAreaVolume], [100, 98, 100, 16]);
});

test('untraded rows inside the range count as zero-volume rows', () => {
  // 100: 10, nothing at 101/102, 103: 5, 98: 1, 99: 2; total 18, target ceil(12.6) = 13.
  // above 101+102 = 0 < below 99+98 = 3 -> 13. Done: the gap above is not crossed.
  const r = profile([
    [98, 1],
    [99, 2],
    [100, 10],
    [103, 5],
  ]).read();
  assert.deepEqual([r.valueAreaLow, r.valueAreaHigh, r.valueAreaVolume], [98, 100, 13]);
});

test('a POC tie in a profile goes to the row nearest the middle of the range', () => {
  const r = profile([
    [100, 5],
    [101, 1],
    [102, 5],
    [103, 1],
    [104, 1],
    [105, 1],
  ]).read();
  assert.equal(r.pocPrice, 102); // middle 102.5: 102 is nearer than 100
});

test('rows group ticks and keep buy and sell volume apart', () => {
  const p = new VolumeProfile(25, { rowTicks: 4 });
  p.add(1000, 3, true);
  p.add(1075, 2, false);
  p.add(1100, 1, false);
  assert.deepEqual(p.read().levels, [
    { price: 1000, volume: 5, buyVolume: 3, sellVolume: 2 },
    { price: 1100, volume: 1, buyVolume: 0, sellVolume: 1 },
  ]);
});

test('a profile over a range can be built from closed footprints', () => {
  const p = new VolumeProfile(1);
  p.addFootprint([
    { price: 100, bidVolume: 2, askVolume: 3 },
    { price: 101, bidVolume: 1, askVolume: 0 },
  ]);
  p.addFootprint([{ price: 101, bidVolume: 0, askVolume: 7 }]);
  const r = p.read();
  assert.deepEqual([r.totalVolume, r.pocPrice], [13, 101]);
});

test('a single-row profile is its own value area, an empty one has none', () => {
  assert.deepEqual(valueArea([100], [7], 0, 1, 7, 70), { low: 100, high: 100, volume: 7 });
  const r = new VolumeProfile(1).read();
  assert.deepEqual([r.pocPrice, r.valueAreaLow, r.valueAreaHigh, r.totalVolume], [null, null, null, 0]);
});
