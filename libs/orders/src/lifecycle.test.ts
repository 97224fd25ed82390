import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type tradingV1 } from '@tapeline/contracts';
import {
  BY_QUANTITY,
  LIFECYCLE_TRIGGERS,
  lifecycleRule,
  ORDER_LIFECYCLE,
  ORDER_STATUSES,
  statusName,
  transition,
  TransitionRefusedError,
  triggerOf,
} from './index';
import { E, eventFor, orderIn, run, S } from './testing/builders';

/** What BY_QUANTITY must resolve to for the builders' orders, worked out by hand. */
function expectedStatus(from: tradingV1.OrdStatus, trigger: string): tradingV1.OrdStatus {
  // orderIn(PENDING_CANCEL / PENDING_REPLACE) is an acknowledged order with no fills.
  if (trigger === 'CancelReject' || trigger === 'ReplaceReject' || trigger === 'ReplaceAck') {
    return S.ORD_STATUS_NEW;
  }
  throw new Error(`no hand-worked status for ${statusName(from)} + ${trigger}`);
}

for (const rule of ORDER_LIFECYCLE) {
  test(`allows ${rule.trigger} in ${statusName(rule.from)}`, () => {
    const before = orderIn(rule.from);
    const event = eventFor(before, rule.trigger);
    assert.equal(triggerOf(before, event), rule.trigger);
    const t = transition(before, event);
    const to = rule.to === BY_QUANTITY ? expectedStatus(rule.from, rule.trigger) : rule.to;
    assert.equal(statusName(t.after.status), statusName(to));
    assert.equal(t.execType, rule.execType);
    assert.equal(t.before, before);
    assert.equal(t.after.version, before.version + 1);
    assert.equal(t.after.transactTimeMicros, event.atMicros);
    assert.ok(Object.isFrozen(t.after));
    assert.equal(before.status, rule.from, 'the previous version is untouched');
  });
}

test('refuses every state and trigger pair the table does not list, naming both', () => {
  let refused = 0;
  for (const status of ORDER_STATUSES) {
    const order = orderIn(status);
    for (const trigger of LIFECYCLE_TRIGGERS) {
      if (lifecycleRule(status, trigger) !== undefined) continue;
      const event = eventFor(order, trigger);
      assert.throws(
        () => transition(order, event),
        (e: unknown) =>
          e instanceof TransitionRefusedError &&
          e.code === 'TRANSITION_REFUSED' &&
          e.status === status &&
          e.trigger === triggerOf(order, event) &&
          e.message.includes(statusName(status)) &&
          e.message.includes(e.trigger),
        `${statusName(status)} + ${trigger}`,
      );
      refused++;
    }
  }
  // 10 states x 13 triggers, minus the listed rules.
  assert.equal(refused, 10 * 13 - ORDER_LIFECYCLE.length);
});

test('has no duplicate rules and no rules out of terminal states', () => {
  const keys = ORDER_LIFECYCLE.map((r) => `${r.from}:${r.trigger}`);
  assert.equal(new Set(keys).size, keys.length);
  for (const terminal of [
    S.ORD_STATUS_FILLED,
    S.ORD_STATUS_CANCELED,
    S.ORD_STATUS_REPLACED,
    S.ORD_STATUS_REJECTED,
    S.ORD_STATUS_EXPIRED,
  ]) {
    assert.equal(ORDER_LIFECYCLE.filter((r) => r.from === terminal).length, 0, statusName(terminal));
  }
});

test('walks a FIX order through ack, partial fill, cancel request and cancel', () => {
  const steps = [
    ['Ack', 'NEW', E.EXEC_TYPE_NEW, 10n],
    ['PartialFill', 'PARTIALLY_FILLED', E.EXEC_TYPE_TRADE, 9n],
    ['CancelRequest', 'PENDING_CANCEL', E.EXEC_TYPE_PENDING_CANCEL, 9n],
    ['CancelAck', 'CANCELED', E.EXEC_TYPE_CANCELED, 0n],
  ] as const;
  let order = orderIn(S.ORD_STATUS_PENDING_NEW);
  for (const [trigger, status, execType, leaves] of steps) {
    const t = transition(order, eventFor(order, trigger));
    assert.equal(statusName(t.after.status), status);
    assert.equal(t.execType, execType);
    assert.equal(t.after.leavesQty, leaves);
    order = t.after;
  }
  assert.equal(order.cumQty, 1n);
  assert.match(order.clOrdId, /^cxl/);
  assert.equal(order.origClOrdId, 'c1');
});

test('keeps PendingCancel through a fill and settles by quantity on the cancel reject', () => {
  const pendingCancel = orderIn(S.ORD_STATUS_PENDING_CANCEL);
  const filled = run(pendingCancel, 'FullFill');
  assert.equal(statusName(filled.status), 'PENDING_CANCEL');
  assert.equal(filled.leavesQty, 0n);
  const rejected = transition(filled, eventFor(filled, 'CancelReject'));
  assert.equal(statusName(rejected.after.status), 'FILLED');
  assert.equal(rejected.after.clOrdId, 'c1', 'a rejected cancel leaves the ClOrdID as it was');
  assert.equal(rejected.after.pending, null);

  const partly = run(pendingCancel, 'PartialFill', 'CancelReject');
  assert.equal(statusName(partly.status), 'PARTIALLY_FILLED');
  assert.equal(partly.leavesQty, 9n);
});

test('returns to PendingNew when a cancel of an unacknowledged order is rejected', () => {
  const o = run(orderIn(S.ORD_STATUS_PENDING_NEW), 'CancelRequest', 'CancelReject');
  assert.equal(statusName(o.status), 'PENDING_NEW');
  const acked = run(orderIn(S.ORD_STATUS_PENDING_NEW), 'CancelRequest', 'Ack', 'CancelReject');
  assert.equal(statusName(acked.status), 'NEW');
});

test('marks a stop order triggered once and refuses a second trigger', () => {
  const o = run(orderIn(S.ORD_STATUS_NEW), 'Trigger');
  assert.equal(o.triggered, true);
  assert.equal(statusName(o.status), 'NEW');
  assert.throws(() => run(o, 'Trigger'), /not a stop order waiting for its trigger/);
});
