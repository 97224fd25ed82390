import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFixed } from '@tapeline/fixed-point';
import { AAPL, BTC, ES, newEngine, order, RISK_OFFICER } from '../fixtures';

const GLOBAL = { level: 'global' } as const;
const A1 = { level: 'account', accountId: 'A1' } as const;
const numbers = (r: { limit: string; requested: string; actual: string } | undefined) =>
  r && { limit: r.limit, requested: r.requested, actual: r.actual };

test('accepts an order at the maximum quantity and rejects one above it', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxOrderQuantity: parseFixed('1000') }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ quantity: 1000n }), 1), undefined);
  const r = engine.evaluate(order({ quantity: 1001n }), 2);
  assert.equal(r?.control, 'MAX_ORDER_QUANTITY');
  assert.equal(r?.source, 'global');
  assert.deepEqual(numbers(r), { limit: '1000', requested: '1001', actual: '1001' });
  assert.match(r!.message, /order quantity 1001 exceeds the maximum 1000 for AAPL\.XNAS/);
});

test('compares quantities at the instrument size scale', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxOrderQuantity: parseFixed('2.5') }, RISK_OFFICER, 0);
  const btc = { instrumentId: BTC.instrumentId, price: 60_000_00n };
  assert.equal(engine.evaluate(order({ ...btc, quantity: 250_000n }), 1), undefined);
  const r = engine.evaluate(order({ ...btc, quantity: 250_001n }), 2);
  assert.deepEqual(numbers(r), { limit: '2.50000', requested: '2.50001', actual: '2.50001' });
});

test('rejects an order whose notional including the multiplier is above the maximum value', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxOrderValue: parseFixed('300000') }, RISK_OFFICER, 0);
  const es = { instrumentId: ES.instrumentId, price: 5000_00n };
  // 1 x 5000.00 x 50 = 250,000
  assert.equal(engine.evaluate(order({ ...es, quantity: 1n }), 1), undefined);
  const r = engine.evaluate(order({ ...es, quantity: 2n }), 2);
  assert.equal(r?.control, 'MAX_ORDER_VALUE');
  assert.deepEqual(numbers(r), { limit: '300000.0000', requested: '500000.0000', actual: '500000.0000' });
});

test('rounds a notional finer than the money scale up, never under the limit', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxOrderValue: parseFixed('0.6') }, RISK_OFFICER, 0);
  // 0.00001 BTC x 60000.01 = 0.6000001 -> 0.6001 at money scale 4
  const r = engine.evaluate(order({ instrumentId: BTC.instrumentId, quantity: 1n, price: 60_000_01n }), 1);
  assert.deepEqual(numbers(r), { limit: '0.6000', requested: '0.6001', actual: '0.6001' });
  const ok = engine.evaluate(order({ instrumentId: BTC.instrumentId, quantity: 1n, price: 60_000_00n }), 2);
  assert.equal(ok, undefined);
});

test('accepts a price on the collar edge and rejects one just above or below the collar', () => {
  const engine = newEngine(); // AAPL reference 200.00
  engine.limits.set(GLOBAL, { priceCollarBps: 500 }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ price: 210_00n }), 1), undefined);
  assert.equal(engine.evaluate(order({ price: 190_00n, side: 'SELL' }), 2), undefined);
  const above = engine.evaluate(order({ price: 210_01n }), 3);
  assert.equal(above?.control, 'PRICE_COLLAR');
  assert.deepEqual(numbers(above), { limit: '210.00', requested: '210.01', actual: '200.00' });
  assert.match(
    above!.message,
    /500 bps above the reference 200\.00; the collar allows 500 bps \(max 210\.00\)/,
  );
  const below = engine.evaluate(order({ price: 189_99n, side: 'SELL' }), 4);
  assert.deepEqual(numbers(below), { limit: '190.00', requested: '189.99', actual: '200.00' });
});

test('judges the collar exactly when the band edge falls between ticks', () => {
  const engine = newEngine();
  engine.setReferencePrice(AAPL.instrumentId, 200_01n); // +5% = 210.0105
  engine.limits.set(GLOBAL, { priceCollarBps: 500 }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ price: 210_01n }), 1), undefined);
  assert.deepEqual(numbers(engine.evaluate(order({ price: 210_02n }), 2)), {
    limit: '210.01',
    requested: '210.02',
    actual: '200.01',
  });
});

test('checks a market order against the reference and values it at the collar edge', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { priceCollarBps: 500, maxOrderValue: parseFixed('20999') }, RISK_OFFICER, 0);
  const market = { ordType: 'MARKET', price: undefined } as const;
  assert.equal(engine.evaluate(order({ ...market, quantity: 99n }), 1), undefined); // 99 x 210.00 = 20790
  const r = engine.evaluate(order({ ...market, quantity: 100n }), 2);
  assert.equal(r?.control, 'MAX_ORDER_VALUE');
  assert.equal(r?.requested, '21000.0000');
  const noRef = engine.evaluate(order({ ...market, instrumentId: ES.instrumentId }), 3);
  assert.equal(noRef?.control, 'PRICE_COLLAR');
  assert.deepEqual(numbers(noRef), { limit: '±500 bps', requested: 'MKT', actual: 'none' });
});

test('rejects a buy that would take the position, with open buys, above the limit', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxPosition: parseFixed('500') }, RISK_OFFICER, 0);
  engine.setPosition('A1', 'EQ', AAPL.instrumentId, 400n);
  const r = engine.evaluate(order({ quantity: 101n }), 1);
  assert.equal(r?.control, 'POSITION_LIMIT');
  assert.deepEqual(numbers(r), { limit: '500', requested: '101', actual: '400' });
  assert.match(r!.message, /would reach 501; the limit is ±500/);
  assert.equal(engine.evaluate(order({ quantity: 100n }), 2), undefined);
  const withOpen = engine.evaluate(order({ quantity: 1n }), 3);
  assert.match(withOpen!.message, /position 400 with 100 open on the BUY side would reach 501/);
});

test('rejects a sell that would take the short position beyond the limit', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxPosition: parseFixed('500') }, RISK_OFFICER, 0);
  engine.setPosition('A1', 'EQ', AAPL.instrumentId, 400n);
  assert.equal(engine.evaluate(order({ side: 'SELL', quantity: 900n }), 1), undefined);
  const r = engine.evaluate(order({ side: 'SELL', quantity: 1n }), 2);
  assert.deepEqual(numbers(r), { limit: '500', requested: '-1', actual: '400' });
});

test('rejects an order that would take open notional above the credit limit', () => {
  const engine = newEngine();
  engine.limits.set(A1, { creditLimit: parseFixed('50000') }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ quantity: 200n }), 1), undefined); // 40,000
  const r = engine.evaluate(order({ quantity: 51n }), 2); // 10,200
  assert.equal(r?.control, 'CREDIT_LIMIT');
  assert.equal(r?.source, 'account:A1');
  assert.deepEqual(numbers(r), { limit: '50000.0000', requested: '10200.0000', actual: '40000.0000' });
  assert.equal(engine.evaluate(order({ quantity: 50n }), 3), undefined, 'exactly at the limit passes');
});

test('counts utilisation set by the service against credit', () => {
  const engine = newEngine();
  engine.limits.set(A1, { creditLimit: parseFixed('1000') }, RISK_OFFICER, 0);
  engine.setCreditUtilisation('A1', 'EQ', 900_0000n);
  const r = engine.evaluate(order({ quantity: 1n }), 1);
  assert.deepEqual(numbers(r), { limit: '1000.0000', requested: '200.0000', actual: '900.0000' });
});

test('rejects an order beyond the maximum number of open orders until one closes', () => {
  const engine = newEngine();
  engine.limits.set(A1, { maxOpenOrders: 2 }, RISK_OFFICER, 0);
  const first = order();
  assert.equal(engine.evaluate(first, 1), undefined);
  assert.equal(engine.evaluate(order(), 2), undefined);
  const r = engine.evaluate(order(), 3);
  assert.equal(r?.control, 'MAX_OPEN_ORDERS');
  assert.deepEqual(numbers(r), { limit: '2', requested: '1', actual: '2' });
  engine.onOrderClosed(first.orderId);
  assert.equal(engine.evaluate(order(), 4), undefined);
});

test('rejects an instrument on a restricted list at any level until it is lifted', () => {
  const engine = newEngine();
  engine.limits.restrict(GLOBAL, AAPL.instrumentId, true, RISK_OFFICER, 0, 'pending announcement');
  const r = engine.evaluate(order(), 1);
  assert.equal(r?.control, 'RESTRICTED_INSTRUMENT');
  assert.equal(r?.source, 'global');
  assert.deepEqual(numbers(r), { limit: 'not restricted', requested: 'AAPL.XNAS', actual: 'restricted' });
  engine.limits.restrict(GLOBAL, AAPL.instrumentId, false, RISK_OFFICER, 2);
  assert.equal(engine.evaluate(order(), 3), undefined);
  engine.limits.restrict({ level: 'desk', desk: 'EQ' }, ES.instrumentId, true, RISK_OFFICER, 4);
  const es = { instrumentId: ES.instrumentId, price: 5000_00n };
  assert.equal(engine.evaluate(order({ ...es }), 5)?.source, 'desk:EQ');
  assert.equal(engine.evaluate(order({ ...es, accountId: 'B1', desk: 'FUT' }), 6), undefined);
});

test('rejects the same order shape within the duplicate window and accepts it once the window passed', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { duplicateWindowMicros: 1_000_000 }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ quantity: 10n }), 5_000_000), undefined);
  const r = engine.evaluate(order({ quantity: 10n }), 5_999_999);
  assert.equal(r?.control, 'DUPLICATE_ORDER');
  assert.match(r!.message, /same BUY 10 AAPL\.XNAS @ 200\.00 accepted 999999 µs ago, within the 1000000 µs/);
  assert.equal(
    engine.evaluate(order({ quantity: 10n, price: 200_01n }), 5_999_999),
    undefined,
    'other price',
  );
  assert.equal(engine.evaluate(order({ quantity: 10n, side: 'SELL' }), 5_999_999), undefined, 'other side');
  assert.equal(
    engine.evaluate(order({ quantity: 10n, accountId: 'A2' }), 5_999_999),
    undefined,
    'other account',
  );
  assert.equal(engine.evaluate(order({ quantity: 10n }), 6_000_000), undefined, 'window over');
});

test('a rejected order neither reserves credit nor counts as a duplicate', () => {
  const engine = newEngine();
  engine.limits.set(
    GLOBAL,
    { duplicateWindowMicros: 1_000_000, maxOrderQuantity: parseFixed('5') },
    RISK_OFFICER,
    0,
  );
  engine.limits.set(A1, { creditLimit: parseFixed('1000') }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ quantity: 6n }), 1)?.control, 'MAX_ORDER_QUANTITY');
  assert.equal(engine.evaluate(order({ quantity: 5n }), 2), undefined);
  assert.equal(engine.evaluate(order({ quantity: 5n }), 3)?.control, 'DUPLICATE_ORDER');
  assert.equal(engine.openOrders.size, 1);
});
