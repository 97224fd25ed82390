import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregateError, FootprintBuilder, type FootprintSpec } from './index';

type Print = [price: number, size: number, side: 'buy' | 'sell'];

function footprint(prints: Print[], spec: FootprintSpec = {}, tick = 1): FootprintBuilder {
  const fp = new FootprintBuilder(tick, spec);
  for (const [p, s, side] of prints) fp.add(p, s, side === 'buy');
  return fp;
}

const flags = (fp: FootprintBuilder, close: number) =>
  fp.read(close).levels.map((l) => [l.price, l.buyImbalance, l.sellImbalance]);

test('keeps bid and ask volume and trade counts per price level, lowest first', () => {
  const bar = footprint([
    [101, 5, 'buy'],
    [100, 2, 'sell'],
    [101, 1, 'sell'],
    [101, 3, 'buy'],
  ]).read(101);
  assert.deepEqual(
    bar.levels.map((l) => [l.price, l.bidVolume, l.bidTrades, l.askVolume, l.askTrades]),
    [
      [100, 2, 1, 0, 0],
      [101, 1, 1, 8, 2],
    ],
  );
  assert.equal(bar.pocPrice, 101);
});

test('a point-of-control tie goes to the level nearest the close, then to the lower price', () => {
  const prints: Print[] = [
    [100, 4, 'buy'],
    [101, 1, 'sell'],
    [102, 4, 'sell'],
  ];
  assert.equal(footprint(prints).read(102).pocPrice, 102);
  assert.equal(footprint(prints).read(100).pocPrice, 100);
  assert.equal(footprint(prints).read(101).pocPrice, 100, 'equally near: the lower price');
});

test('an empty footprint has no point of control', () => {
  const bar = footprint([]).read(100);
  assert.deepEqual([bar.levels.length, bar.pocPrice, bar.stackedImbalances.length], [0, null, 0]);
});

test('a buy imbalance exactly at the ratio counts, one unit below it does not', () => {
  // ask(101) against bid(100), ratio 3
  const at = footprint([
    [100, 3, 'sell'],
    [101, 9, 'buy'],
  ]);
  const below = footprint([
    [100, 3, 'sell'],
    [101, 8, 'buy'],
  ]);
  assert.deepEqual(flags(at, 101)[1], [101, true, false]);
  assert.deepEqual(flags(below, 101)[1], [101, false, false]);
});

test('ratios are exact to hundredths (1.5 x 2 = 3 is an imbalance)', () => {
  const fp = footprint(
    [
      [100, 2, 'sell'],
      [101, 3, 'buy'],
    ],
    { imbalanceRatio: 1.5 },
  );
  assert.equal(fp.read(101).levels[1]!.buyImbalance, true);
  assert.throws(
    () => new FootprintBuilder(1, { imbalanceRatio: 1.005 }),
    (e: unknown) => e instanceof AggregateError && e.code === 'INVALID_SPEC',
  );
});

test('against zero bid volume an ask above the minimum is an imbalance unless configured otherwise', () => {
  const prints: Print[] = [
    [100, 0 + 1, 'buy'], // no bid at 100
    [101, 5, 'buy'],
  ];
  assert.deepEqual(flags(footprint(prints), 101), [
    [100, true, false], // nothing at 99 either: infinite ratio
    [101, true, false],
  ]);
  assert.deepEqual(flags(footprint(prints, { zeroVolumeIsImbalance: false }), 101), [
    [100, false, false],
    [101, false, false],
  ]);
  assert.deepEqual(flags(footprint(prints, { imbalanceMinVolume: 2 }), 101), [
    [100, false, false], // 1 < minimum volume 2
    [101, true, false],
  ]);
});

test('a sell imbalance compares the bid at P with the ask one level above', () => {
  const fp = footprint(
    [
      [100, 6, 'sell'],
      [101, 2, 'buy'],
      [101, 1, 'sell'],
    ],
    { zeroVolumeIsImbalance: false },
  );
  // bid(100) = 6 >= 3 x ask(101) = 6: sell imbalance at 100; ask(101) = 2 < 3 x bid(100) = 18.
  assert.deepEqual(flags(fp, 100), [
    [100, false, true],
    [101, false, false],
  ]);
});

test('stacked imbalances need N adjacent imbalanced levels; a price gap breaks the run', () => {
  const prints: Print[] = [
    [100, 1, 'sell'],
    [101, 3, 'buy'],
    [102, 3, 'buy'],
    [103, 3, 'buy'],
    [105, 3, 'buy'],
    [106, 3, 'buy'],
  ];
  const fp = footprint(prints, { stackedLevels: 3, zeroVolumeIsImbalance: true });
  // 100 has no ask; 101..103 and 105..106 are buy imbalances (bid below is 1 at 100, else 0).
  assert.deepEqual(fp.read(106).stackedImbalances, [
    { side: 'buy', fromPrice: 101, toPrice: 103, levels: 3 },
  ]);
});

test('rows group ticks: a 2-tick row holds prices P and P + 1 tick', () => {
  const fp = footprint(
    [
      [1000, 1, 'buy'],
      [1025, 2, 'buy'],
      [1050, 4, 'sell'],
    ],
    { rowTicks: 2 },
    25,
  );
  const bar = fp.read(1050);
  assert.equal(bar.rowSize, 50);
  assert.deepEqual(
    bar.levels.map((l) => [l.price, l.askVolume, l.bidVolume]),
    [
      [1000, 3, 0],
      [1050, 0, 4],
    ],
  );
});
