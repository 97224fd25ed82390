// The write-ahead log is the durability point: an order is acknowledged once its journal entries
// are fsync'd there, before ClickHouse has them. Here ClickHouse is made to lag on purpose
// (OMS_JOURNAL_TEST_INSERT_DELAY_MS, longer than the test), the oms is SIGKILLed right after
// acknowledged submits, and the restarted oms must hold every acknowledged order and a journal
// that verifies — with its tail taken from the log, and a torn last record dropped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startMesh, startOms, type Mesh, type OmsProcess, type Stack } from './testing/mesh';
import { BUY, journalOf, SELL, submitRequest, type OrderWire } from './testing/wire';

const QUOTES = [{ instrumentId: 'AAPL.XNAS', priceScale: 2, bid: 9990n, ask: 10010n }];
/** ClickHouse inserts wait this long: none completes before the kill. */
const LAGGING = { OMS_JOURNAL_TEST_INSERT_DELAY_MS: '600000' };

interface Rebuilt {
  entries: number;
  fromWal: number;
  walTornBytes: number;
}

function rebuiltLog(target: OmsProcess): Rebuilt {
  const line = target.proc.logs().find((l) => l.msg === 'oms state rebuilt from the journal');
  assert.ok(line, 'the oms logged its rebuild');
  return line as unknown as Rebuilt;
}

describe('the journal write-ahead log across a SIGKILL (oms, risk, symbol, the simulated venue)', () => {
  let mesh: Mesh;
  let stack: Stack;
  let dir: string;
  /** The oms of the test running, stopped by the test or, if it failed half way, here. */
  let oms: OmsProcess | undefined;
  before(async () => {
    mesh = await startMesh();
    stack = await mesh.stack('wal.', QUOTES);
    dir = path.join(mesh.root, 'oms-wal');
  });
  after(async () => {
    await oms?.stop('SIGKILL');
    await mesh?.close();
  });

  /** Sends orders one by one, each acknowledged before the next; some cross and fill. */
  async function submitAll(target: OmsProcess, prefix: string, count: number): Promise<OrderWire[]> {
    const acked: OrderWire[] = [];
    for (let i = 0; i < count; i++) {
      const buy = i % 2 === 0;
      const answer = await target.client.call<{ order: OrderWire }>(
        'submitOrder',
        submitRequest({
          accountId: buy ? 'EQ-CASH-1' : 'EQ-CASH-2',
          clOrdId: `${prefix}${i}`,
          side: buy ? BUY : SELL,
          qty: BigInt(10 + i),
          price: buy ? 10000n : 10000n - BigInt(i % 3),
        }),
      );
      acked.push(answer.order);
    }
    return acked;
  }

  /** Every acknowledged order is there, in at least the state it was acknowledged in. */
  async function assertHolds(target: OmsProcess, acked: readonly OrderWire[]): Promise<void> {
    for (const order of acked) {
      const { order: now } = await target.client.call<{ order: OrderWire }>('getOrder', {
        accountId: order.accountId,
        orderId: order.orderId,
      });
      assert.equal(now.clOrdId, order.clOrdId);
      assert.ok(BigInt(now.version) >= BigInt(order.version), `${order.clOrdId} lost a version`);
      assert.ok(BigInt(now.cumQty) >= BigInt(order.cumQty), `${order.clOrdId} lost a fill`);
    }
  }

  test('every acknowledged order survives a SIGKILL while the ClickHouse inserts lag behind', async () => {
    oms = await startOms(stack, dir, LAGGING);
    const acked = await submitAll(oms, 'W', 12);
    assert.ok(
      acked.some((o) => o.cumQty !== '0'),
      'some orders traded (venue reports are journaled too)',
    );
    await oms.stop('SIGKILL');
    assert.equal((await oms.proc.exited).signal, 'SIGKILL');

    oms = await startOms(stack, dir);
    const rebuilt = rebuiltLog(oms);
    const journal = await journalOf(oms.client, {});
    // Nothing had reached ClickHouse: the whole journal came back from the log.
    assert.equal(rebuilt.fromWal, journal.length);
    assert.equal(rebuilt.entries, journal.length);
    assert.equal(rebuilt.walTornBytes, 0);
    await assertHolds(oms, acked);
    for (const order of acked) {
      const kinds = journal.filter((e) => e.subjectId === order.orderId).map((e) => e.kind);
      assert.ok(kinds.includes('order.request') && kinds.includes('risk.decision'), order.clOrdId);
    }
    const verdict = await oms.client.call<{ ok: boolean; entriesChecked: string }>('verifyJournal', {});
    assert.deepEqual([verdict.ok, verdict.entriesChecked], [true, String(journal.length)]);
    // A repeated request after the restart is the journaled order, not a second one.
    const again = await oms.client.call<{ order: OrderWire; duplicate: boolean }>(
      'submitOrder',
      submitRequest({ accountId: 'EQ-CASH-1', clOrdId: 'W0', side: BUY, qty: 10n, price: 10000n }),
    );
    assert.deepEqual([again.duplicate, again.order.orderId], [true, acked[0]!.orderId]);
    await oms.stop('SIGTERM');
    oms = undefined;
  });

  test('a torn record at the end of the log is dropped at restart and the journal continues', async () => {
    oms = await startOms(stack, dir, LAGGING);
    const before = rebuiltLog(oms).entries;
    const acked = await submitAll(oms, 'T', 4);
    await oms.stop('SIGKILL');
    // The crash came during a write that was never acknowledged: half a record is on disk.
    const walDir = `${dir}-wal`;
    const newest = readdirSync(walDir).sort().pop()!;
    const record = tornRecord();
    appendFileSync(path.join(walDir, newest), record);

    oms = await startOms(stack, dir);
    const rebuilt = rebuiltLog(oms);
    assert.equal(rebuilt.walTornBytes, record.length);
    assert.ok(rebuilt.fromWal > 0, 'the acknowledged entries came from the log');
    assert.equal(rebuilt.entries, before + rebuilt.fromWal);
    await assertHolds(oms, acked);
    const next = await submitAll(oms, 'T-after-', 1);
    const journal = await journalOf(oms.client, {});
    assert.ok(journal.length > before + rebuilt.fromWal, 'new entries follow the recovered ones');
    assert.ok(journal.some((e) => e.subjectId === next[0]!.orderId));
    const verdict = await oms.client.call<{ ok: boolean; entriesChecked: string }>('verifyJournal', {});
    assert.deepEqual([verdict.ok, verdict.entriesChecked], [true, String(journal.length)]);
    await oms.stop('SIGTERM');
    oms = undefined;
  });
});

/** The first 40 bytes of a record whose header announces 500: what a write cut short leaves. */
function tornRecord(): Buffer {
  const record = Buffer.alloc(40, 0x7b);
  record.writeUInt32LE(500, 0);
  record.writeUInt32LE(0x12345678, 4);
  return record;
}
