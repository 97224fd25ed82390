import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFixed } from '@tapeline/fixed-point';
import { OrdersError, pnlFixed, PositionBook, type PositionFill, unrealisedPnl } from './index';
import { BUY, SELL } from './testing/builders';

// Price scale 2, size scale 0: a fill of 10 @ 100.00 is lastQty 10n, lastPx 10000n; money is at scale 2.
const fill = (
  side: typeof BUY,
  lastQty: bigint,
  lastPx: bigint,
  over: Partial<PositionFill> = {},
): PositionFill => ({
  accountId: 'acc-1',
  desk: 'equities',
  instrumentId: 'AAA',
  side,
  priceScale: 2,
  sizeScale: 0,
  lastQty,
  lastPx,
  ...over,
});

test('averages the cost of buys and realises P&L on a partial sale', () => {
  const book = new PositionBook();
  book.applyFill(fill(BUY, 10n, 10000n));
  let p = book.applyFill(fill(BUY, 10n, 10200n));
  // 20 @ avg 101.00, cost 2020.00
  assert.deepEqual([p.qty, p.costBasis, p.avgPx, p.realisedPnl], [20n, 202000n, 10100n, 0n]);
  p = book.applyFill(fill(SELL, 5n, 10500n));
  // 5 x (105.00 - 101.00) = 20.00 realised; 15 left at 101.00
  assert.deepEqual([p.qty, p.costBasis, p.avgPx, p.realisedPnl], [15n, 151500n, 10100n, 2000n]);
  // Marked at 99.00: 15 x (99.00 - 101.00) = -30.00
  assert.equal(unrealisedPnl(p, 9900n), -3000n);
  assert.equal(formatFixed(pnlFixed(p, unrealisedPnl(p, 9900n))), '-30.00');
});

test('flips from long to short, realising the long and opening the rest at the fill price', () => {
  const book = new PositionBook();
  book.applyFill(fill(BUY, 10n, 10000n));
  const p = book.applyFill(fill(SELL, 15n, 9800n));
  // Long 10 @ 100.00 closed at 98.00: -20.00. Short 5 @ 98.00 opened.
  assert.deepEqual([p.qty, p.costBasis, p.avgPx, p.realisedPnl], [-5n, -49000n, 9800n, -2000n]);
  // Short 5 @ 98.00 marked at 97.00: +5.00
  assert.equal(unrealisedPnl(p, 9700n), 500n);
  // Buy 8 @ 96.00: covers 5 (+10.00), then long 3 @ 96.00.
  const q = book.applyFill(fill(BUY, 8n, 9600n));
  assert.deepEqual([q.qty, q.costBasis, q.avgPx, q.realisedPnl], [3n, 28800n, 9600n, -1000n]);
});

test('realises exactly sells minus buys once a position with a rounded cost split is flat', () => {
  const book = new PositionBook();
  book.applyFill(fill(BUY, 1n, 10000n));
  book.applyFill(fill(BUY, 1n, 10001n));
  book.applyFill(fill(BUY, 1n, 10001n));
  // Cost 300.02 over 3: selling 1 removes 100.0066.. -> 100.01 (half away from zero).
  let p = book.applyFill(fill(SELL, 1n, 10100n));
  assert.deepEqual([p.costBasis, p.realisedPnl, p.avgPx], [20001n, 99n, 10001n]);
  p = book.applyFill(fill(SELL, 2n, 10100n));
  // Sells 303.00 - buys 300.02 = 2.98
  assert.deepEqual([p.qty, p.costBasis, p.realisedPnl, p.avgPx], [0n, 0n, 298n, 0n]);
});

test('applies the contract multiplier to P&L and exposure', () => {
  const book = new PositionBook();
  book.defineInstrument('ESZ5', { multiplier: 50n });
  book.applyFill(fill(SELL, 2n, 500000n, { instrumentId: 'ESZ5' }));
  const p = book.applyFill(fill(BUY, 1n, 499000n, { instrumentId: 'ESZ5' }));
  // Short 2 @ 5000.00, cover 1 @ 4990.00: 10.00 x 50 = 500.00
  assert.equal(p.realisedPnl, 50000n);
  assert.equal(unrealisedPnl(p, 498000n), -1n * (498000n - 500000n) * 50n);
  assert.throws(() => book.defineInstrument('X', { multiplier: 0n }), OrdersError);
});

test('sums desk exposure as |qty| x mark x multiplier across instruments of different scales', () => {
  const book = new PositionBook();
  book.defineInstrument('ESZ5', { multiplier: 50n });
  book.applyFill(fill(BUY, 10n, 10000n)); // AAA, scale 2
  book.applyFill(fill(SELL, 2n, 500000n, { instrumentId: 'ESZ5' })); // scale 2
  // BTC: price scale 2, size scale 4: 0.5000 BTC
  book.applyFill(fill(BUY, 5000n, 6000000n, { instrumentId: 'BTC', sizeScale: 4 }));
  book.applyFill(fill(BUY, 7n, 100n, { instrumentId: 'OTHER', desk: 'rates' }));
  const marks = new Map([
    ['AAA', 10100n], // 10 x 101.00 = 1010.00
    ['ESZ5', 498000n], // 2 x 4980.00 x 50 = 498000.00
    ['BTC', 6100000n], // 0.5 x 61000.00 = 30500.00
  ]);
  const exposure = book.deskExposure('equities', marks);
  assert.equal(formatFixed(exposure), '529510.000000');
  assert.throws(
    () => book.deskExposure('rates', marks),
    (e: unknown) => e instanceof OrdersError && e.code === 'MISSING_MARK',
  );
});

test('keeps positions per account and refuses a fill at other scales than its position', () => {
  const book = new PositionBook();
  book.applyFill(fill(BUY, 10n, 10000n));
  book.applyFill(fill(SELL, 4n, 10000n, { accountId: 'acc-2' }));
  assert.equal(book.get('acc-1', 'AAA')?.qty, 10n);
  assert.equal(book.get('acc-2', 'AAA')?.qty, -4n);
  assert.throws(() => book.applyFill(fill(BUY, 1n, 100000n, { priceScale: 3 })), /different scales/);
});
