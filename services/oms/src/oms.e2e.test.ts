import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { EmbeddedClickHouseStore } from '@tapeline/history';
import { startService } from '@tapeline/test-kit';
import { startMesh, startOms, type Mesh, type OmsProcess, type Stack } from './testing/mesh';
import {
  ACTOR,
  BUY,
  IOC,
  journalOf,
  S,
  SELL,
  submitRequest,
  type JournalEntryWire,
  type OrderWire,
} from './testing/wire';

const RISK_OFFICER = { userId: 'rita', clientId: 'dev-risk-officer', desk: 'RISK', role: 'risk_officer' };
const QUOTES = [{ instrumentId: 'AAPL.XNAS', priceScale: 2, bid: 9990n, ask: 10010n }];

describe('oms over gRPC (symbol, risk and the simulated venue)', () => {
  let mesh: Mesh;
  let stack: Stack;
  let oms: OmsProcess;
  let chdbDir: string;
  before(async () => {
    mesh = await startMesh();
    stack = await mesh.stack('main.', QUOTES);
    chdbDir = path.join(mesh.root, 'oms-main');
    oms = await startOms(stack, chdbDir);
  });
  after(async () => {
    await oms?.stop('SIGKILL');
    await mesh?.close();
  });

  const submit = (fields: Parameters<typeof submitRequest>[0]) =>
    oms.client.call<{ order: OrderWire; duplicate: boolean; rejections: { control: string }[] }>(
      'submitOrder',
      submitRequest(fields),
    );

  test('a repeated ClOrdID yields one order; the same ClOrdID for another order is refused', async () => {
    const request = { accountId: 'EQ-CASH-1', clOrdId: 'IDEM-1', side: BUY, qty: 3n, price: 9950n };
    const [first, second] = await Promise.all([submit(request), submit(request)]);
    assert.equal(first.order.orderId, second.order.orderId);
    assert.deepEqual([first.duplicate, second.duplicate].sort(), [false, true]);
    const again = await submit(request);
    assert.equal(again.duplicate, true);
    assert.equal(again.order.orderId, first.order.orderId);
    assert.equal(again.order.ordStatus, S.NEW);

    await assert.rejects(submit({ ...request, qty: 4n }), (err: { code: number; details: string }) => {
      assert.equal(err.code, status.ALREADY_EXISTS);
      assert.match(err.details, /ClOrdID "IDEM-1" was already used for a different request/);
      return true;
    });
    const listed = await oms.client.call<{ orders: OrderWire[] }>('listOrders', {
      accountIds: ['EQ-CASH-1'],
    });
    assert.equal(listed.orders.filter((o) => o.clOrdId === 'IDEM-1').length, 1);
    const journal = await journalOf(oms.client, { orderId: first.order.orderId });
    assert.equal(journal.filter((e) => e.kind === 'order.request').length, 1);
    // Leave nothing working for the tests after this one.
    await oms.client.call('cancelOrder', {
      actor: ACTOR,
      requestId: 'idem-x',
      accountId: 'EQ-CASH-1',
      clOrdId: 'IDEM-1-X',
      origClOrdId: 'IDEM-1',
    });
  });

  test('concurrent submits of different accounts each get an order of their own', async () => {
    // Each account has its own lock, so these are all past their risk check at the same time.
    const accounts = ['EQ-CASH-1', 'EQ-CASH-2', 'OPS-TEST', 'RISK-HEDGE', 'EQ-DERIV-1', 'OPS-ERROR'];
    const answers = await Promise.all(
      accounts.map((accountId, i) =>
        submit({
          accountId,
          clOrdId: `CONC-${i}`,
          side: BUY,
          qty: BigInt(i + 1),
          price: 9900n,
          timeInForce: IOC,
        }),
      ),
    );
    const ids = answers.map((a) => a.order.orderId);
    assert.equal(new Set(ids).size, accounts.length, `distinct order ids: ${ids.join(', ')}`);
    answers.forEach((a, i) =>
      assert.deepEqual([a.order.accountId, a.order.clOrdId], [accounts[i], `CONC-${i}`]),
    );
  });

  test('a full lifecycle through the simulated venue: new, partial fill, replace, fill, cancel', async () => {
    // Seller rests 10 @ 100.00; a buyer lifts 4 of them at the resting price.
    const sell = await submit({
      accountId: 'EQ-CASH-1',
      clOrdId: 'L-A1',
      side: SELL,
      qty: 10n,
      price: 10000n,
    });
    assert.equal(sell.order.ordStatus, S.NEW);
    const a = sell.order.orderId;
    const buy1 = await submit({ accountId: 'EQ-CASH-2', clOrdId: 'L-B1', side: BUY, qty: 4n, price: 10020n });
    assert.equal(buy1.order.ordStatus, S.FILLED);
    assert.equal(buy1.order.avgPx, '10000');
    let order = await getOrder('EQ-CASH-1', a);
    assert.deepEqual([order.ordStatus, order.cumQty, order.leavesQty], [S.PARTIALLY_FILLED, '4', '6']);

    // Replace: 8 at 100.50 under a new ClOrdID; 4 already traded leaves 4 open.
    const replaced = await oms.client.call<{ order: OrderWire }>('replaceOrder', {
      actor: ACTOR,
      requestId: 'r-L-A2',
      accountId: 'EQ-CASH-1',
      clOrdId: 'L-A2',
      origClOrdId: 'L-A1',
      orderQty: { mantissa: '8', scale: 0 },
      price: { mantissa: '1005', scale: 1 }, // 100.5
    });
    assert.deepEqual(
      [
        replaced.order.ordStatus,
        replaced.order.clOrdId,
        replaced.order.origClOrdId,
        replaced.order.orderQty,
        replaced.order.price,
        replaced.order.leavesQty,
      ],
      [S.PARTIALLY_FILLED, 'L-A2', 'L-A1', '8', '10050', '4'],
    );
    const buy2 = await submit({ accountId: 'EQ-CASH-2', clOrdId: 'L-B2', side: BUY, qty: 4n, price: 10050n });
    assert.equal(buy2.order.ordStatus, S.FILLED);
    order = await getOrder('EQ-CASH-1', a);
    // (4 x 100.00 + 4 x 100.50) / 8 = 100.25
    assert.deepEqual(
      [order.ordStatus, order.cumQty, order.leavesQty, order.avgPx],
      [S.FILLED, '8', '0', '10025'],
    );

    // A filled order cannot be cancelled: the refusal names the state and the event.
    await assert.rejects(
      oms.client.call('cancelOrder', {
        actor: ACTOR,
        requestId: 'r-L-AX',
        accountId: 'EQ-CASH-1',
        clOrdId: 'L-AX',
        orderId: a,
      }),
      (err: { code: number; details: string }) => {
        assert.equal(err.code, status.FAILED_PRECONDITION);
        assert.equal(err.details, `order ${a}: CancelRequest is not allowed in state FILLED`);
        return true;
      },
    );
    // A working order is: PendingCancel, then Canceled by the venue.
    const rest = await submit({
      accountId: 'EQ-CASH-1',
      clOrdId: 'L-A3',
      side: SELL,
      qty: 5n,
      price: 10100n,
    });
    const cancelled = await oms.client.call<{ order: OrderWire }>('cancelOrder', {
      actor: ACTOR,
      requestId: 'r-L-A3X',
      accountId: 'EQ-CASH-1',
      clOrdId: 'L-A3X',
      orderId: rest.order.orderId,
    });
    assert.deepEqual(
      [cancelled.order.ordStatus, cancelled.order.clOrdId, cancelled.order.leavesQty],
      [S.CANCELED, 'L-A3X', '0'],
    );

    const executions = await oms.client.call<{
      executions: { execType: number; lastQty: string; lastPx: string; ordStatus: number }[];
    }>('listExecutions', { orderId: a });
    assert.deepEqual(
      executions.executions.map((e) => [e.execType, e.ordStatus, e.lastQty, e.lastPx]),
      [
        [9, S.PENDING_NEW, '0', '0'], // PendingNew
        [1, S.NEW, '0', '0'], // New
        [2, S.PARTIALLY_FILLED, '4', '10000'], // Trade
        [6, S.PENDING_REPLACE, '0', '0'], // PendingReplace
        [4, S.PARTIALLY_FILLED, '0', '0'], // Replaced
        [2, S.FILLED, '4', '10050'], // Trade
      ],
    );

    const journal = await journalOf(oms.client, { orderId: a });
    assert.deepEqual(
      journal.map(
        (e) =>
          `${e.kind}${e.kind === 'order.state' || e.kind === 'execution' ? ` ${afterDoc(e).event.type}` : ''}`,
      ),
      [
        'order.request',
        'risk.decision',
        'order.state Submit',
        'order.state Ack',
        'execution Fill',
        'order.request',
        'risk.decision',
        'order.state ReplaceRequest',
        'order.state ReplaceAck',
        'execution Fill',
        'order.request',
      ],
    );
    const [request, , submitted, , fill1, , , , replaceAck, fill2, refused] = journal as JournalEntryWire[];
    assert.deepEqual(
      [request!.actor.userId, request!.requestId, request!.accountId, request!.instrumentId],
      ['alice', 'r-L-A1', 'EQ-CASH-1', 'AAPL.XNAS'],
    );
    assert.equal(submitted!.beforeState, '');
    assert.equal(afterDoc(submitted!).order.status, S.PENDING_NEW);
    // Venue reports are journaled under the request they answer, with the venue as actor.
    assert.deepEqual([fill1!.actor.userId, fill1!.requestId], ['venue:SIM', 'r-L-A1']);
    assert.deepEqual(
      [beforeDoc(fill1!).order.cumQty, afterDoc(fill1!).order.cumQty, afterDoc(fill1!).event.lastPx],
      ['0', '4', '10000'],
    );
    assert.deepEqual(
      [
        beforeDoc(replaceAck!).order.orderQty,
        afterDoc(replaceAck!).order.orderQty,
        afterDoc(replaceAck!).order.price,
      ],
      ['10', '8', '10050'],
    );
    assert.deepEqual([afterDoc(fill2!).order.status, afterDoc(fill2!).order.avgPx], [S.FILLED, '10025']);
    assert.equal(
      JSON.parse(refused!.afterState).refused,
      `order ${a}: CancelRequest is not allowed in state FILLED`,
    );

    const positions = await oms.client.call<{
      positions: { accountId: string; quantity: string; avgPx: string }[];
    }>('listPositions', {
      accountIds: ['EQ-CASH-1', 'EQ-CASH-2'],
    });
    assert.deepEqual(
      positions.positions.map((p) => [p.accountId, p.quantity, p.avgPx]),
      [
        ['EQ-CASH-1', '-8', '10025'],
        ['EQ-CASH-2', '8', '10025'],
      ],
    );
  });

  test('a risk rejection comes back as a Rejected order carrying the rejections', async () => {
    // 26,000 AAPL is above the instrument's max order quantity of 25,000 (services/risk limits).
    const r = await submit({
      accountId: 'EQ-CASH-2',
      clOrdId: 'BIG-1',
      side: BUY,
      qty: 26_000n,
      price: 9900n,
    });
    assertRejectedBy(r, 'max_order_qty');
    assert.match(r.order.text, /risk rejected: max_order_qty/);
  });

  test('the kill switch cancels the open orders in its scope and blocks new ones', async () => {
    const updates: { order?: OrderWire }[] = [];
    const stream = oms.client.raw.streamOrderUpdates!({ accountIds: ['OPS-TEST'] }) as NodeJS.EventEmitter & {
      cancel(): void;
    };
    stream.on('data', (u: { order?: OrderWire }) => updates.push(u));
    stream.on('error', () => undefined);
    const ids: string[] = [];
    for (const [i, px] of [9800n, 9810n, 9820n].entries()) {
      ids.push(
        (
          await submit({
            accountId: 'OPS-TEST',
            clOrdId: `KS-${i}`,
            side: BUY,
            qty: BigInt(i + 1),
            price: px,
          })
        ).order.orderId,
      );
    }
    const other = await submit({
      accountId: 'RISK-HEDGE',
      clOrdId: 'KS-OTHER',
      side: BUY,
      qty: 7n,
      price: 9750n,
    });

    const engaged = await oms.client.call<{ engaged: boolean; cancelledOrderIds: string[] }>(
      'setKillSwitch',
      {
        actor: RISK_OFFICER,
        requestId: 'ks-1',
        scope: 3, // ACCOUNT
        target: 'OPS-TEST',
        engaged: true,
        reason: 'runaway algo',
      },
    );
    assert.equal(engaged.engaged, true);
    assert.deepEqual([...engaged.cancelledOrderIds].sort(), [...ids].sort());
    for (const id of ids) assert.equal((await getOrder('OPS-TEST', id)).ordStatus, S.CANCELED);
    assert.equal((await getOrder('RISK-HEDGE', other.order.orderId)).ordStatus, S.NEW);

    const blocked = await submit({
      accountId: 'OPS-TEST',
      clOrdId: 'KS-AFTER',
      side: BUY,
      qty: 9n,
      price: 9800n,
    });
    assertRejectedBy(blocked, 'kill_switch');

    const entries = await journalOf(oms.client, { actor: 'rita' });
    const ks = entries.find((e) => e.kind === 'kill_switch')!;
    assert.equal(ks.subjectId, 'account:OPS-TEST');
    assert.deepEqual(JSON.parse(ks.beforeState), { scope: 'account', target: 'OPS-TEST', engaged: false });
    assert.deepEqual(JSON.parse(ks.afterState), {
      scope: 'account',
      target: 'OPS-TEST',
      engaged: true,
      reason: 'runaway algo',
    });
    // Each cancel is journaled under the kill switch's request, with the risk officer as actor.
    assert.equal(entries.filter((e) => e.kind === 'order.request' && e.requestId === 'ks-1').length, 3);

    // The stream saw every order of the account reach Canceled, and nothing of other accounts.
    const seen = new Map(updates.filter((u) => u.order).map((u) => [u.order!.orderId, u.order!.ordStatus]));
    for (const id of ids) assert.equal(seen.get(id), S.CANCELED);
    assert.ok(updates.every((u) => !u.order || u.order.accountId === 'OPS-TEST'));
    stream.cancel();

    const released = await oms.client.call<{ engaged: boolean; cancelledOrderIds: string[] }>(
      'setKillSwitch',
      {
        actor: RISK_OFFICER,
        requestId: 'ks-2',
        scope: 3,
        target: 'OPS-TEST',
        engaged: false,
        reason: 'fixed',
      },
    );
    assert.deepEqual(released, { engaged: false, cancelledOrderIds: [] });
  });

  test('a limit change goes through risk and is journaled with the value before and after', async () => {
    const change = await oms.client.call<{ previousValue: string; value: string }>('setRiskLimit', {
      actor: RISK_OFFICER,
      requestId: 'lim-1',
      scope: 'account',
      target: 'RISK-HEDGE',
      control: 'max_order_qty',
      value: '5',
    });
    assert.deepEqual(change, { previousValue: '', value: '5' });
    const refused = await submit({
      accountId: 'RISK-HEDGE',
      clOrdId: 'LIM-6',
      side: BUY,
      qty: 6n,
      price: 9700n,
    });
    assert.equal(refused.order.ordStatus, S.REJECTED);
    const entry = (await journalOf(oms.client, { accountId: 'RISK-HEDGE' })).find(
      (e) => e.kind === 'limit.change',
    )!;
    assert.deepEqual(JSON.parse(entry.afterState), {
      scope: 'account',
      target: 'RISK-HEDGE',
      control: 'max_order_qty',
      value: '5',
    });
    assert.equal(entry.subjectId, 'account:RISK-HEDGE:max_order_qty');
  });

  test('a tampered journal row is found by VerifyJournal at its sequence', async () => {
    const all = await journalOf(oms.client, {});
    const target = all.find((e) => e.kind === 'risk.decision' && e.requestId === 'r-L-B1')!;
    const seq = BigInt(target.sequence);
    const intact = await oms.client.call<{ ok: boolean; entriesChecked: string }>('verifyJournal', {});
    assert.deepEqual([intact.ok, intact.entriesChecked], [true, String(all.length)]);

    // A separate ClickHouse session on the oms's data (chDB: one process per directory, so the
    // oms is stopped first) rewrites one field of one row, as someone with database access could.
    await oms.stop('SIGTERM');
    const store = await EmbeddedClickHouseStore.open({ dataPath: chdbDir, database: 'oms' });
    await store.command(
      `ALTER TABLE journal UPDATE actor_user_id = 'mallory' WHERE sequence = ${seq} SETTINGS mutations_sync = 2`,
    );
    await store.close();

    oms = await startOms(stack, chdbDir);
    const verdict = await oms.client.call<{
      ok: boolean;
      entriesChecked: string;
      firstBroken: { sequence: string; reason: string };
    }>('verifyJournal', {});
    assert.equal(verdict.ok, false);
    assert.deepEqual(
      [verdict.firstBroken.sequence, verdict.firstBroken.reason],
      [String(seq), 'hash_mismatch'],
    );
    assert.equal(verdict.entriesChecked, String(seq - 1n));
    const upToIt = await oms.client.call<{ ok: boolean }>('verifyJournal', {
      fromSequence: '1',
      toSequence: String(seq - 1n),
    });
    assert.equal(upToIt.ok, true);
    assert.ok(oms.proc.logs().some((l) => l.msg === 'journal chain is broken' && l.sequence === String(seq)));
  });

  async function getOrder(accountId: string, orderId: string): Promise<OrderWire> {
    return (await oms.client.call<{ order: OrderWire }>('getOrder', { accountId, orderId })).order;
  }
});

test('refuses bad configuration at boot, naming every bad variable in one message', async () => {
  const proc = startService('oms', {
    KAFKA_BROKERS: '127.0.0.1:1',
    RISK_GRPC_ADDR: 'not-an-address',
    OMS_VENUES_FILE: path.join(__dirname, 'no-such-venues.yaml'),
    OMS_JOURNAL_BATCH_MAX: '0',
  });
  const { code } = await proc.exited;
  assert.equal(code, 1);
  assert.match(proc.output, /invalid configuration for oms: 3 problem\(s\)/);
  assert.match(proc.output, /RISK_GRPC_ADDR: must be host:port, got "not-an-address"/);
  assert.match(proc.output, /OMS_VENUES_FILE: venue routing .*no-such-venues.yaml: ENOENT/);
  assert.match(proc.output, /OMS_JOURNAL_BATCH_MAX: must be between 1 and 100000, got 0/);
});

/** A Rejected order whose rejections name the control. */
function assertRejectedBy(r: { order: OrderWire; rejections: { control: string }[] }, control: string): void {
  assert.equal(r.order.ordStatus, S.REJECTED);
  assert.ok(
    r.rejections.some((x) => x.control === control),
    JSON.stringify(r.rejections),
  );
}

function afterDoc(e: JournalEntryWire) {
  return JSON.parse(e.afterState) as {
    order: Record<string, unknown>;
    event: Record<string, unknown> & { type: string };
  };
}
function beforeDoc(e: JournalEntryWire) {
  return JSON.parse(e.beforeState) as { order: Record<string, unknown> };
}
