import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PriceHistory } from './price-history';

const MINUTE = 60_000_000;

test('keeps the last price of each bucket and drops prices of closed buckets', () => {
  const h = new PriceHistory(MINUTE, 10);
  h.record('A', 100_00n, 0);
  h.record('A', 110_00n, 30_000_000); // same minute: the close is 110.00
  h.record('A', 121_00n, MINUTE);
  assert.equal(h.record('A', 999_00n, 59_000_000), false, 'a late price of a closed minute');
  h.record('A', 133_10n, 2 * MINUTE);
  const r = h.alignedReturns(['A']);
  assert.ok(typeof r !== 'string');
  assert.deepEqual(
    r.get('A')!.map((x) => Math.round(x * 1e6) / 1e6),
    [0.1, 0.1],
  );
});

test('aligns instruments on the buckets any of them traded, carrying the last price forward', () => {
  const h = new PriceHistory(MINUTE, 10);
  // A trades in minutes 0, 1, 3; B from minute 1 on, in 1, 2, 3. Common start: minute 1.
  for (const [m, p] of [
    [0, 100n],
    [1, 100n],
    [3, 150n],
  ] as const)
    h.record('A', p, m * MINUTE);
  for (const [m, p] of [
    [1, 10n],
    [2, 20n],
    [3, 10n],
  ] as const)
    h.record('B', p, m * MINUTE);
  const r = h.alignedReturns(['A', 'B']);
  assert.ok(typeof r !== 'string');
  assert.deepEqual(r.get('A'), [0, 0.5]); // 100, 100 (carried), 150
  assert.deepEqual(r.get('B'), [1, -0.5]); // 10, 20, 10
  assert.match(String(h.alignedReturns(['A', 'C'])), /no price history for C/);
});

test('is bounded to its capacity and says when history is too short', () => {
  const h = new PriceHistory(MINUTE, 3);
  for (let m = 0; m < 20; m++) h.record('A', BigInt(100 + m), m * MINUTE);
  const r = h.alignedReturns(['A']);
  assert.ok(typeof r !== 'string');
  assert.equal(r.get('A')!.length, 3, 'the last 4 buckets give 3 returns');
  const short = new PriceHistory(MINUTE, 3);
  short.record('A', 100n, 0);
  short.record('A', 101n, MINUTE);
  assert.match(
    String(short.alignedReturns(['A'])),
    /2 common price bucket\(s\) of 60 s; VaR needs at least 3/,
  );
  assert.equal(new PriceHistory(86_400_000_000, 3).bucketsPerDay, 1);
});
