import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsV1, tradingV1 } from '@tapeline/contracts';
import {
  type ApplyResult,
  divRoundHalfAwayFromZero,
  DuplicateClOrdIdError,
  journalRecord,
  type LifecycleEvent,
  lifecycleEventJson,
  OrdersError,
  OrderStore,
  parseLifecycleEvent,
  PositionBook,
  statusName,
  toExecutionEvent,
  toOrderEvent,
  type Transition,
} from './index';
import { E, request, S, SELL, submit } from './testing/builders';

const applied = (r: ApplyResult): Transition => {
  assert.equal(r.kind, 'applied');
  return (r as Extract<ApplyResult, { kind: 'applied' }>).transition;
};
const fill = (execId: string, lastQty: bigint, lastPx: bigint, orderId = 'o1'): LifecycleEvent => ({
  type: 'Fill',
  orderId,
  atMicros: 50n,
  execId,
  lastQty,
  lastPx,
});
const ev = <T extends LifecycleEvent['type']>(type: T, extra: object = {}, orderId = 'o1') =>
  ({ type, orderId, atMicros: 10n, ...extra }) as Extract<LifecycleEvent, { type: T }>;

function ackedStore(overrides = {}): OrderStore {
  const store = new OrderStore();
  store.apply(submit('o1', overrides));
  store.apply(ev('Ack'));
  return store;
}

test('rounds half away from zero', () => {
  assert.equal(divRoundHalfAwayFromZero(5n, 2n), 3n);
  assert.equal(divRoundHalfAwayFromZero(-5n, 2n), -3n);
  assert.equal(divRoundHalfAwayFromZero(7n, 3n), 2n);
  assert.equal(divRoundHalfAwayFromZero(8n, 3n), 3n);
  assert.equal(divRoundHalfAwayFromZero(-8n, 3n), -3n);
});

test('keeps CumQty, LeavesQty and AvgPx over partial fills (AvgPx rounded half away from zero)', () => {
  const store = ackedStore();
  // Buy 10 @ 100.25 (price scale 2). Fills 3 @ 100.25, 4 @ 100.30, 3 @ 100.20.
  let t = applied(store.apply(fill('x1', 3n, 10025n)));
  assert.deepEqual([t.after.cumQty, t.after.leavesQty, t.after.avgPx], [3n, 7n, 10025n]);
  assert.equal(t.execType, E.EXEC_TYPE_TRADE);
  t = applied(store.apply(fill('x2', 4n, 10030n)));
  // (30075 + 40120) / 7 = 10027.857... -> 10028
  assert.deepEqual([t.after.cumQty, t.after.leavesQty, t.after.avgPx], [7n, 3n, 10028n]);
  assert.equal(statusName(t.after.status), 'PARTIALLY_FILLED');
  t = applied(store.apply(fill('x3', 3n, 10020n)));
  // (30075 + 40120 + 30060) / 10 = 10025.5 -> 10026
  assert.deepEqual([t.after.cumQty, t.after.leavesQty, t.after.avgPx], [10n, 0n, 10026n]);
  assert.equal(t.after.filledNotional, 100255n);
  assert.equal(statusName(t.after.status), 'FILLED');
});

test('counts a redelivered execution once', () => {
  const store = ackedStore();
  store.apply(fill('x1', 3n, 10025n));
  const again = store.apply(fill('x1', 3n, 10025n));
  assert.equal(again.kind, 'duplicate');
  assert.equal(store.require('o1').cumQty, 3n);
});

test('refuses a fill larger than LeavesQty', () => {
  const store = ackedStore();
  store.apply(fill('x1', 8n, 10025n));
  assert.throws(
    () => store.apply(fill('x2', 3n, 10025n)),
    (e: unknown) => e instanceof OrdersError && e.code === 'OVERFILL',
  );
  assert.equal(store.require('o1').cumQty, 8n, 'a refused event changes nothing');
});

test('replaces with a new ClOrdID, keeps OrigClOrdID and recomputes LeavesQty on the ack', () => {
  const store = ackedStore();
  store.apply(fill('x1', 4n, 10025n));
  const pending = applied(store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 6n, price: 10010n })));
  assert.equal(statusName(pending.after.status), 'PENDING_REPLACE');
  assert.equal(pending.after.clOrdId, 'c1', 'the old ClOrdID stays in force until the ack');
  const acked = applied(store.apply(ev('ReplaceAck')));
  assert.equal(acked.execType, E.EXEC_TYPE_REPLACED);
  assert.deepEqual(
    [
      acked.after.clOrdId,
      acked.after.origClOrdId,
      acked.after.orderQty,
      acked.after.price,
      acked.after.leavesQty,
    ],
    ['c2', 'c1', 6n, 10010n, 2n],
  );
  assert.equal(statusName(acked.after.status), 'PARTIALLY_FILLED');
  assert.equal(store.findByClOrdId('acc-1', 'c1')?.orderId, 'o1');
  assert.equal(store.findByClOrdId('acc-1', 'c2')?.orderId, 'o1');
});

test('refuses a replace below CumQty and fills to Filled when the new quantity equals CumQty', () => {
  const store = ackedStore();
  store.apply(fill('x1', 4n, 10025n));
  assert.throws(
    () => store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 3n })),
    (e: unknown) =>
      e instanceof OrdersError && e.code === 'REPLACE_BELOW_CUM_QTY' && /below CumQty 4/.test(e.message),
  );
  assert.equal(statusName(store.require('o1').status), 'PARTIALLY_FILLED');
  store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 4n }));
  const acked = applied(store.apply(ev('ReplaceAck')));
  assert.equal(statusName(acked.after.status), 'FILLED');
  assert.equal(acked.after.leavesQty, 0n);
});

test('restores the order as it was when a replace is rejected', () => {
  const store = ackedStore();
  store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 20n }));
  const t = applied(store.apply(ev('ReplaceReject', { text: 'too late' })));
  assert.deepEqual([t.after.clOrdId, t.after.orderQty, t.after.text], ['c1', 10n, 'too late']);
  assert.equal(statusName(t.after.status), 'NEW');
  assert.equal(t.execType, E.EXEC_TYPE_ORDER_STATUS);
});

test('refuses a second request while one is pending', () => {
  const store = ackedStore();
  store.apply(ev('CancelRequest', { clOrdId: 'c2' }));
  assert.throws(
    () => store.apply(ev('ReplaceRequest', { clOrdId: 'c3', orderQty: 5n })),
    /not allowed in state PENDING_CANCEL/,
  );
});

test('returns the original order for a repeated submission with the same content', () => {
  const store = new OrderStore();
  const first = applied(store.apply(submit('o1')));
  assert.equal(first.execType, E.EXEC_TYPE_PENDING_NEW);
  store.apply(ev('Ack'));
  assert.equal(store.findSubmission(request())?.orderId, 'o1');
  const again = store.apply(submit('o2'));
  assert.equal(again.kind, 'duplicate');
  assert.equal(again.kind === 'duplicate' && again.order.orderId, 'o1');
  assert.equal(again.kind === 'duplicate' && statusName(again.order.status), 'NEW');
  assert.equal(store.size, 1);
});

test('refuses a repeated ClOrdID with different content, but not the same ClOrdID on another account', () => {
  const store = new OrderStore();
  store.apply(submit('o1'));
  const isDuplicate = (e: unknown) =>
    e instanceof DuplicateClOrdIdError && e.code === 'DUPLICATE_CLORDID' && e.clOrdId === 'c1';
  assert.throws(() => store.apply(submit('o2', { orderQty: 11n })), isDuplicate);
  assert.throws(() => store.findSubmission(request({ price: 10030n })), isDuplicate);
  assert.equal(applied(store.apply(submit('o3', { accountId: 'acc-2' }))).after.orderId, 'o3');
  // A cancel may not reuse the ClOrdID of the order itself or of another request.
  store.apply(ev('Ack'));
  assert.throws(() => store.apply(ev('CancelRequest', { clOrdId: 'c1' })), isDuplicate);
});

test('treats a repeated cancel or replace request as the same request', () => {
  const store = ackedStore();
  store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 20n }));
  assert.equal(store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 20n })).kind, 'duplicate');
  assert.throws(
    () => store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 30n })),
    DuplicateClOrdIdError,
  );
  store.apply(ev('ReplaceAck'));
  store.apply(ev('CancelRequest', { clOrdId: 'c3' }));
  assert.equal(store.apply(ev('CancelRequest', { clOrdId: 'c3' })).kind, 'duplicate');
});

test('matches a repeated submission against the original request after a replace changed the order', () => {
  const store = ackedStore();
  store.apply(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 20n, price: 10030n }));
  store.apply(ev('ReplaceAck'));
  store.apply(ev('ReplaceRequest', { clOrdId: 'c3', orderQty: 30n }));
  store.apply(ev('ReplaceAck'));
  assert.equal(store.require('o1').orderQty, 30n);
  const again = store.apply(submit('o2'));
  assert.equal(again.kind === 'duplicate' && again.order.orderId, 'o1');
  assert.equal(store.findSubmission(request())?.orderId, 'o1');
  assert.throws(() => store.apply(submit('o3', { orderQty: 30n })), DuplicateClOrdIdError);
  assert.throws(() => store.findSubmission(request({ orderQty: 20n, price: 10030n })), DuplicateClOrdIdError);
});

test('counts an ExecID once per order, also when another order carries the same ExecID', () => {
  const store = ackedStore();
  store.apply(submit('o2', { clOrdId: 'c2' }));
  store.apply(ev('Ack', {}, 'o2'));
  store.apply(fill('x1', 2n, 10025n));
  assert.equal(applied(store.apply(fill('x1', 3n, 10025n, 'o2'))).after.cumQty, 3n);
  assert.equal(store.apply(fill('x1', 2n, 10025n)).kind, 'duplicate');
  assert.equal(store.apply(fill('x1', 3n, 10025n, 'o2')).kind, 'duplicate');
  assert.deepEqual([store.require('o1').cumQty, store.require('o2').cumQty], [2n, 3n]);
});

test('refuses invalid new orders with a message naming the field', () => {
  const store = new OrderStore();
  const cases: [object, RegExp][] = [
    [{ orderQty: 0n }, /orderQty/],
    [{ price: undefined }, /needs a price/],
    [{ ordType: tradingV1.OrdType.ORD_TYPE_MARKET }, /no limit price/],
    [{ ordType: tradingV1.OrdType.ORD_TYPE_STOP, price: undefined }, /stopPrice/],
    [{ timeInForce: tradingV1.TimeInForce.TIME_IN_FORCE_GTD }, /expireTimeMicros/],
    [{ clOrdId: '' }, /clOrdId/],
    [{ priceScale: 19 }, /priceScale/],
    [{ side: 0 }, /side/],
  ];
  for (const [overrides, message] of cases) {
    assert.throws(
      () => store.apply(submit('o1', overrides)),
      (e: unknown) => e instanceof OrdersError && e.code === 'INVALID_ORDER' && message.test(e.message),
      String(message),
    );
  }
  assert.equal(store.size, 0);
  assert.throws(() => store.apply(ev('Ack', {}, 'nope')), /no order nope/);
});

test('rebuilds the same orders and positions by replaying the journaled events', () => {
  const journal: string[] = [];
  const live = new OrderStore();
  const livePositions = new PositionBook();
  const feed = (e: LifecycleEvent) => {
    const r = live.apply(e);
    if (r.kind === 'applied') {
      journal.push(lifecycleEventJson(e));
      livePositions.applyTransition(r.transition);
    }
  };
  feed(submit('o1'));
  feed(ev('Ack'));
  feed(fill('x1', 4n, 10025n));
  feed(fill('x1', 4n, 10025n)); // redelivery: not journaled, not counted
  feed(ev('ReplaceRequest', { clOrdId: 'c2', orderQty: 8n, price: 10030n }));
  feed(fill('x2', 2n, 10027n));
  feed(ev('ReplaceAck'));
  feed(
    submit('o2', {
      clOrdId: 'c9',
      side: SELL,
      orderQty: 5n,
      timeInForce: tradingV1.TimeInForce.TIME_IN_FORCE_GTC,
    }),
  );
  feed(ev('Ack', {}, 'o2'));
  feed(fill('y1', 5n, 10040n, 'o2'));
  feed(ev('Expire'));

  const replayedPositions = new PositionBook();
  const replayed = new OrderStore();
  for (const line of journal) {
    const r = replayed.apply(parseLifecycleEvent(line));
    if (r.kind === 'applied') replayedPositions.applyTransition(r.transition);
  }
  assert.deepEqual([...replayed.all()], [...live.all()]);
  assert.deepEqual([...replayedPositions.all()], [...livePositions.all()]);
  assert.deepEqual([...OrderStore.rebuild(journal.map(parseLifecycleEvent)).all()], [...live.all()]);
  const o1 = live.require('o1');
  assert.deepEqual([o1.cumQty, o1.orderQty, o1.leavesQty, statusName(o1.status)], [6n, 8n, 0n, 'EXPIRED']);
  assert.equal(live.openOrders().length, 0);
  // Bought 4 @ 100.25 + 2 @ 100.27 (cost 601.54), sold 5 @ 100.40: cost removed 601.54 x 5/6 =
  // 501.2833 -> 501.28, realised 502.00 - 501.28 = 0.72; 1 left at cost 100.26.
  const p = livePositions.get('acc-1', 'XS0001')!;
  assert.deepEqual([p.qty, p.costBasis, p.realisedPnl, p.avgPx], [1n, 10026n, 72n, 10026n]);
  assert.throws(() => parseLifecycleEvent('{"type":"Nope","orderId":"o1","atMicros":"1"}'), /unknown type/);
});

test('maps an order version and a transition onto the wire contracts', () => {
  const store = ackedStore();
  const t = applied(store.apply(fill('x1', 3n, 10025n)));
  const order = toOrderEvent(t.after);
  assert.equal(order.ordStatus, tradingV1.OrdStatus.ORD_STATUS_PARTIALLY_FILLED);
  assert.deepEqual([order.cumQty, order.leavesQty, order.avgPx, order.version], ['3', '7', '10025', '3']);
  // Round trip through the protobuf encoding: the types agree with the contract.
  const decoded = eventsV1.OrderEvent.decode(eventsV1.OrderEvent.encode(order).finish());
  assert.deepEqual(decoded, order);
  const exec = toExecutionEvent(t, 'x1', 'SIM');
  assert.deepEqual(
    [exec.execType, exec.ordStatus, exec.lastQty, exec.lastPx, exec.venue],
    [E.EXEC_TYPE_TRADE, S.ORD_STATUS_PARTIALLY_FILLED, '3', '10025', 'SIM'],
  );
  const record = journalRecord(t);
  assert.equal(record.subjectId, 'o1');
  assert.equal(JSON.parse(record.beforeState).cumQty, '0');
  assert.equal(JSON.parse(record.afterState).cumQty, '3');
});
