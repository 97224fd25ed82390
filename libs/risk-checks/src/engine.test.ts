import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFixed } from '@tapeline/fixed-point';
import { AAPL, ES, newEngine, order, RISK_OFFICER } from './fixtures';

const GLOBAL = { level: 'global' } as const;

test('resolves each limit from the most specific scope: instrument-in-account > account > desk > global', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxOrderQuantity: parseFixed('1000') }, RISK_OFFICER, 0);
  engine.limits.set({ level: 'desk', desk: 'EQ' }, { maxOrderQuantity: parseFixed('500') }, RISK_OFFICER, 0);
  engine.limits.set(
    { level: 'account', accountId: 'A1' },
    { maxOrderQuantity: parseFixed('200') },
    RISK_OFFICER,
    0,
  );
  const a1Aapl = { level: 'account-instrument', accountId: 'A1', instrumentId: AAPL.instrumentId } as const;
  engine.limits.set(a1Aapl, { maxOrderQuantity: parseFixed('100') }, RISK_OFFICER, 0);
  const es = { instrumentId: ES.instrumentId, price: 5000_00n };
  const cases = [
    [order({ quantity: 101n }), 'account:A1/instrument:AAPL.XNAS', '100'],
    [order({ ...es, quantity: 201n }), 'account:A1', '200'],
    [order({ accountId: 'A2', quantity: 501n }), 'desk:EQ', '500'],
    [order({ accountId: 'C1', desk: 'FX', quantity: 1001n }), 'global', '1000'],
  ] as const;
  for (const [o, source, limit] of cases) {
    const r = engine.evaluate(o, 1);
    assert.deepEqual([r?.control, r?.source, r?.limit], ['MAX_ORDER_QUANTITY', source, limit]);
    assert.equal(
      engine.evaluate({ ...o, orderId: `${o.orderId}-ok`, quantity: BigInt(limit) }, 1),
      undefined,
    );
  }
  // Clearing the most specific level falls through to the account's value.
  engine.limits.set(a1Aapl, { maxOrderQuantity: null }, RISK_OFFICER, 2);
  assert.equal(engine.evaluate(order({ quantity: 201n }), 3)?.source, 'account:A1');
});

test('resolves fields independently across levels', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { maxOrderQuantity: parseFixed('10'), priceCollarBps: 100 }, RISK_OFFICER, 0);
  engine.limits.set(
    { level: 'account', accountId: 'A1' },
    { maxOrderQuantity: parseFixed('20') },
    RISK_OFFICER,
    0,
  );
  assert.equal(engine.evaluate(order({ quantity: 20n, price: 202_00n }), 1), undefined);
  assert.equal(engine.evaluate(order({ quantity: 20n, price: 202_01n }), 1)?.source, 'global');
});

test('records a limit change as an event with actor and the scope before and after', () => {
  const engine = newEngine();
  const scope = { level: 'desk', desk: 'EQ' } as const;
  engine.limits.set(scope, { maxOrderValue: parseFixed('1000000') }, RISK_OFFICER, 10);
  const event = engine.limits.set(
    scope,
    { maxOrderValue: parseFixed('250000.5'), throttle: { maxMessages: 50, windowMicros: 1_000_000 } },
    RISK_OFFICER,
    20,
    'desk head request',
  );
  assert.deepEqual(event, {
    kind: 'limit.change',
    scope,
    scopeKey: 'desk:EQ',
    actor: RISK_OFFICER,
    atMicros: 20,
    reason: 'desk head request',
    before: { maxOrderValue: '1000000' },
    after: { maxOrderValue: '250000.5', throttle: { maxMessages: 50, windowMicros: 1_000_000 } },
  });
  const restricted = engine.limits.restrict(scope, AAPL.instrumentId, true, RISK_OFFICER, 30);
  assert.deepEqual(restricted.after['restrictedInstruments'], ['AAPL.XNAS']);
});

test('refuses limits that cannot be applied, naming them', () => {
  const engine = newEngine();
  const perInstrument = {
    level: 'account-instrument',
    accountId: 'A1',
    instrumentId: AAPL.instrumentId,
  } as const;
  assert.throws(() => engine.limits.set(perInstrument, { maxOpenOrders: 5 }, RISK_OFFICER, 0), {
    code: 'BAD_LIMIT',
    message: /maxOpenOrders is account-wide/,
  });
  assert.throws(() => engine.limits.set(GLOBAL, { maxOrderValue: parseFixed('0.00001') }, RISK_OFFICER, 0), {
    code: 'BAD_LIMIT',
    message: /more decimals than the money scale 4/,
  });
  assert.throws(() => engine.limits.set(GLOBAL, { maxOpenOrders: -1 }, RISK_OFFICER, 0), {
    code: 'BAD_LIMIT',
  });
  assert.throws(
    () => engine.limits.set(GLOBAL, { throttle: { maxMessages: 0, windowMicros: 1 } }, RISK_OFFICER, 0),
    { code: 'BAD_LIMIT' },
  );
});

test('throttles the N+1th message inside the rolling window and admits it on the window edge', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 3, windowMicros: 1_000_000 } }, RISK_OFFICER, 0);
  for (const t of [0, 400_000, 500_000]) assert.equal(engine.evaluate(order(), t), undefined);
  const r = engine.evaluate(order(), 999_999);
  assert.equal(r?.control, 'MESSAGE_THROTTLE');
  assert.deepEqual([r?.limit, r?.requested, r?.actual], ['3', '1', '3']);
  // At exactly t0 + window the first message has left the window (it covers (now - window, now]).
  assert.equal(engine.evaluate(order(), 1_000_000), undefined);
  assert.equal(engine.evaluate(order(), 1_399_999)?.control, 'MESSAGE_THROTTLE');
  assert.equal(engine.evaluate(order(), 1_400_000), undefined);
  // Another account has its own window.
  assert.equal(engine.evaluate(order({ accountId: 'A2' }), 1_400_000), undefined);
});

test('counts cancels and replaces against the throttle and rejected orders not at all', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 2, windowMicros: 1000 } }, RISK_OFFICER, 0);
  engine.limits.set(GLOBAL, { maxOrderQuantity: parseFixed('5') }, RISK_OFFICER, 0);
  assert.equal(engine.evaluate(order({ quantity: 6n }), 10)?.control, 'MAX_ORDER_QUANTITY');
  assert.equal(engine.admitMessage('A1', 'EQ', 20), undefined);
  assert.equal(engine.evaluate(order(), 30), undefined);
  assert.equal(engine.admitMessage('A1', 'EQ', 40)?.control, 'MESSAGE_THROTTLE');
  assert.equal(engine.evaluate(order(), 1020), undefined);
});

test('throttles exactly at N across the growth of the message ring, and reserves nothing for a large N', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 200, windowMicros: 1000 } }, RISK_OFFICER, 0);
  for (let t = 1; t <= 200; t++) assert.equal(engine.admitMessage('A1', 'EQ', t), undefined, `message ${t}`);
  assert.equal(engine.admitMessage('A1', 'EQ', 1000)?.actual, '200');
  assert.equal(engine.admitMessage('A1', 'EQ', 1001), undefined, 'the first message left the window');
  assert.equal(engine.admitMessage('A1', 'EQ', 1001)?.control, 'MESSAGE_THROTTLE');
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 150, windowMicros: 1000 } }, RISK_OFFICER, 1001);
  assert.equal(engine.admitMessage('A1', 'EQ', 1002)?.actual, '150');

  const before = process.memoryUsage().arrayBuffers;
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 1e9, windowMicros: 1000 } }, RISK_OFFICER, 2000);
  assert.equal(engine.evaluate(order({ accountId: 'A9' }), 2001), undefined);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no ring sized to 10^9 messages');
});

test('keeps the recent messages when the throttle limit is changed', () => {
  const engine = newEngine();
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 3, windowMicros: 1000 } }, RISK_OFFICER, 0);
  for (const t of [1, 2, 3]) assert.equal(engine.evaluate(order(), t), undefined);
  engine.limits.set(GLOBAL, { throttle: { maxMessages: 2, windowMicros: 1000 } }, RISK_OFFICER, 4);
  assert.equal(engine.evaluate(order(), 5)?.actual, '2');
});

test('an account kill switch blocks that account only and lists its open orders to cancel', () => {
  const engine = newEngine();
  const a1 = order();
  const a2 = order({ accountId: 'A2' });
  engine.evaluate(a1, 1);
  engine.evaluate(a2, 1);
  const { event, ordersToCancel } = engine.setKillSwitch(
    { level: 'account', accountId: 'A1' },
    true,
    RISK_OFFICER,
    5,
    'runaway algo',
  );
  assert.deepEqual(
    [event.kind, event.scopeKey, event.before, event.after],
    ['kill_switch', 'account:A1', { engaged: false }, { engaged: true }],
  );
  assert.deepEqual(
    ordersToCancel.map((o) => o.orderId),
    [a1.orderId],
  );
  const r = engine.evaluate(order(), 6);
  assert.deepEqual([r?.control, r?.source, r?.actual], ['KILL_SWITCH', 'account:A1', 'engaged']);
  assert.equal(engine.evaluate(order({ accountId: 'A2' }), 6), undefined);
  engine.setKillSwitch({ level: 'account', accountId: 'A1' }, false, RISK_OFFICER, 7, 'fixed');
  assert.equal(engine.evaluate(order(), 8), undefined);
});

test('a desk kill switch blocks every account of the desk; the global one blocks everyone', () => {
  const engine = newEngine();
  const fut = order({ accountId: 'F1', desk: 'FUT' });
  engine.evaluate(order(), 1);
  engine.evaluate(order({ accountId: 'A2' }), 1);
  engine.evaluate(fut, 1);
  const desk = engine.setKillSwitch({ level: 'desk', desk: 'EQ' }, true, RISK_OFFICER, 2, 'desk halt');
  assert.deepEqual(desk.ordersToCancel.map((o) => o.accountId).sort(), ['A1', 'A2']);
  assert.equal(engine.evaluate(order({ accountId: 'A3' }), 3)?.source, 'desk:EQ');
  assert.equal(engine.evaluate(order({ accountId: 'F2', desk: 'FUT' }), 3), undefined);
  const all = engine.setKillSwitch(GLOBAL, true, RISK_OFFICER, 4, 'market-wide halt');
  assert.equal(all.ordersToCancel.length, 4);
  assert.equal(engine.evaluate(order({ accountId: 'F2', desk: 'FUT' }), 5)?.source, 'global');
  assert.equal(engine.evaluate(order(), 5)?.source, 'desk:EQ', 'the most specific engaged switch is named');
  assert.deepEqual(engine.killSwitches.stateFor('A1', 'EQ'), {
    globalEngaged: true,
    deskEngaged: true,
    accountEngaged: false,
  });
});

test('fills move the position and release what the order reserved', () => {
  const engine = newEngine();
  engine.limits.set(
    { level: 'account', accountId: 'A1' },
    { creditLimit: parseFixed('2000') },
    RISK_OFFICER,
    0,
  );
  const buy = order({ quantity: 10n }); // 2,000.00 reserved
  assert.equal(engine.evaluate(buy, 1), undefined);
  assert.equal(engine.evaluate(order(), 2)?.actual, '2000.0000');
  engine.onExecution(buy.orderId, 4n);
  assert.equal(engine.positionOf('A1', AAPL.instrumentId), 4n);
  assert.equal(engine.openOrders.get(buy.orderId)?.notional, 1200_0000n);
  assert.equal(engine.evaluate(order({ quantity: 4n }), 3), undefined); // 1,200 + 800
  engine.onExecution(buy.orderId, 6n);
  assert.equal(engine.openOrders.has(buy.orderId), false, 'a fully filled order is no longer open');
  assert.equal(engine.positionOf('A1', AAPL.instrumentId), 10n);
  assert.throws(() => engine.onExecution(buy.orderId, 1n), { code: 'UNKNOWN_ORDER' });
});

test('refuses malformed orders and unknown instruments with a typed error', () => {
  const engine = newEngine();
  assert.throws(() => engine.evaluate(order({ instrumentId: 'NOPE.XNAS' }), 1), {
    code: 'UNKNOWN_INSTRUMENT',
  });
  assert.throws(() => engine.evaluate(order({ quantity: 0n }), 1), {
    code: 'BAD_ORDER',
    message: /quantity 0/,
  });
  assert.throws(() => engine.evaluate(order({ price: undefined }), 1), { code: 'BAD_ORDER' });
  assert.throws(() => engine.evaluate(order({ ordType: 'MARKET' }), 1), { code: 'BAD_ORDER' });
  const o = order();
  engine.evaluate(o, 1);
  assert.throws(() => engine.evaluate(o, 2), { code: 'BAD_ORDER', message: /already open/ });
});
