import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tradingV1 } from '@tapeline/contracts';
import { OrdersError, OrderStore, StopTrigger } from './index';
import { BUY, SELL, submit } from './testing/builders';

const STOP = tradingV1.OrdType.ORD_TYPE_STOP;
const stop = (orderId: string, side: typeof BUY, stopPrice: bigint, instrumentId = 'AAA') => ({
  orderId,
  instrumentId,
  side,
  ordType: STOP,
  stopPrice,
});

test('triggers a buy stop on a trade at or above it and a sell stop at or below it', () => {
  const trigger = new StopTrigger();
  trigger.arm(stop('b1', BUY, 10100n));
  trigger.arm(stop('s1', SELL, 9900n));
  assert.deepEqual(trigger.onTrade('AAA', 10099n), []);
  assert.deepEqual(trigger.onTrade('AAA', 10100n), ['b1']);
  assert.deepEqual(trigger.onTrade('AAA', 9901n), []);
  assert.deepEqual(trigger.onTrade('AAA', 9850n), ['s1']);
  assert.equal(trigger.size, 0);
});

test('releases several crossed stops nearest the market first, and equal stops in arrival order', () => {
  const trigger = new StopTrigger();
  trigger.arm(stop('b3', BUY, 10300n));
  trigger.arm(stop('b1', BUY, 10100n));
  trigger.arm(stop('b2a', BUY, 10200n));
  trigger.arm(stop('b2b', BUY, 10200n));
  trigger.arm(stop('other', BUY, 10000n, 'BBB'));
  assert.deepEqual(trigger.onTrade('AAA', 10250n), ['b1', 'b2a', 'b2b']);
  assert.equal(trigger.isArmed('b3'), true);
  assert.equal(trigger.isArmed('other'), true, 'trades of one instrument leave the others alone');
});

test('disarms a cancelled stop and moves a re-armed one', () => {
  const trigger = new StopTrigger();
  trigger.arm(stop('s1', SELL, 9900n));
  trigger.arm(stop('s2', SELL, 9800n));
  assert.equal(trigger.disarm('s1'), true);
  assert.equal(trigger.disarm('s1'), false);
  trigger.arm(stop('s2', SELL, 9950n)); // replaced stop price
  assert.deepEqual(trigger.onTrade('AAA', 9940n), ['s2']);
  assert.throws(
    () => trigger.arm({ ...stop('x', BUY, 1n), ordType: tradingV1.OrdType.ORD_TYPE_LIMIT }),
    (e: unknown) => e instanceof OrdersError && e.code === 'INVALID_ORDER',
  );
});

test('rebuilds the armed stops from acknowledged, untriggered, live stop orders', () => {
  const store = new OrderStore();
  const stopOrder = { ordType: STOP, price: undefined, stopPrice: 10100n };
  store.apply(submit('armed', { ...stopOrder, clOrdId: 'a' }));
  store.apply(submit('unacked', { ...stopOrder, clOrdId: 'b' }));
  store.apply(submit('fired', { ...stopOrder, clOrdId: 'c' }));
  store.apply(submit('limit', { clOrdId: 'd' }));
  for (const id of ['armed', 'fired', 'limit']) store.apply({ type: 'Ack', orderId: id, atMicros: 2n });
  store.apply({ type: 'Trigger', orderId: 'fired', atMicros: 3n, lastPx: 10100n });
  const trigger = StopTrigger.fromOrders(store.all());
  assert.equal(trigger.size, 1);
  assert.deepEqual(trigger.onTrade('XS0001', 10100n), ['armed']);
});
