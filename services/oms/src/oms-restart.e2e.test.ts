// THE RESTART TEST: the same stream of requests is sent to two oms stacks (each with its own risk
// service, topic prefix and journal). One runs uninterrupted; the other is SIGKILLed three times with a
// request in flight, restarted on its journal, and the client retries the request it got no answer
// for (same ClOrdID and request id), as a FIX client would. Both must end in exactly the same
// state: the same orders (every field but times), the same execution reports (ExecIDs included),
// the same positions and desk exposure, and journals that verify and hold the same transitions,
// each once: no lost, duplicated or phantom order or fill.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMesh, startOms, type Mesh, type OmsProcess, type Stack } from './testing/mesh';
import { ACTOR, BUY, GTC, IOC, journalOf, SELL, submitRequest, type OrderWire } from './testing/wire';
import { seededRandom } from '@tapeline/test-kit';

const QUOTES = [
  { instrumentId: 'AAPL.XNAS', priceScale: 2, bid: 9990n, ask: 10010n },
  { instrumentId: 'MSFT.XNAS', priceScale: 2, bid: 19990n, ask: 20010n },
];
const MID: Record<string, bigint> = { 'AAPL.XNAS': 10000n, 'MSFT.XNAS': 20000n };
const ACCOUNTS = ['EQ-CASH-1', 'EQ-CASH-2', 'OPS-TEST', 'RISK-HEDGE'];
const STEPS = 120;
/**
 * Where the oms is killed: at the first new order from each step on, that many milliseconds after
 * the request left (before risk answered, around the journal insert, before the answer).
 */
const KILL_PLAN: [number, number][] = [
  [30, 3],
  [60, 12],
  [90, 22],
];

interface Step {
  readonly method: 'submitOrder' | 'cancelOrder' | 'replaceOrder';
  readonly request: Record<string, unknown>;
}

/**
 * New GTC limit orders around the mid (about a third crossing), IOC orders that cross, and
 * cancels and replaces of earlier orders (some of them too late, which is refused the same way in
 * both runs). Quantities are unique per step, so risk's duplicate-order control never fires.
 */
function orderStream(seed: number): Step[] {
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const resting: { accountId: string; clOrdId: string; price: bigint }[] = [];
  const steps: Step[] = [];
  for (let i = 0; i < STEPS; i++) {
    const r = rand();
    if (r < 0.75 || resting.length === 0) {
      const accountId = pick(ACCOUNTS);
      const instrumentId = pick(Object.keys(MID));
      const side = rand() < 0.5 ? BUY : SELL;
      const away = BigInt(int(-8, 15)); // negative: crosses into the other side
      const price = MID[instrumentId]! + (side === BUY ? -away : away);
      const ioc = r >= 0.65;
      const clOrdId = `N${i}`;
      steps.push({
        method: 'submitOrder',
        request: submitRequest({
          accountId,
          clOrdId,
          side,
          qty: BigInt(i + 1),
          price,
          instrumentId,
          timeInForce: ioc ? IOC : GTC,
        }),
      });
      if (!ioc) resting.push({ accountId, clOrdId, price });
      continue;
    }
    const target = pick(resting);
    const base = {
      actor: ACTOR,
      requestId: `r-X${i}`,
      accountId: target.accountId,
      origClOrdId: target.clOrdId,
    };
    if (r < 0.88) steps.push({ method: 'cancelOrder', request: { ...base, clOrdId: `C${i}` } });
    else {
      const price = target.price + BigInt(int(-3, 3));
      steps.push({
        method: 'replaceOrder',
        request: {
          ...base,
          clOrdId: `R${i}`,
          orderQty: { mantissa: String(i + 1), scale: 0 },
          price: { mantissa: price.toString(), scale: 2 },
        },
      });
    }
  }
  return steps;
}

const trace = process.env.OMS_TEST_TRACE === '1' ? (m: string) => process.stderr.write(`${m}\n`) : () => {};

/** Sends one request; refusals (FAILED_PRECONDITION etc.) are outcomes, not failures. */
async function send(oms: OmsProcess, step: Step): Promise<string> {
  trace(`${Date.now()} ${step.method} ${String(step.request.clOrdId)}`);
  try {
    await oms.client.call(step.method, step.request, 10_000);
    return 'ok';
  } catch (err) {
    const e = err as { code?: number; details?: string };
    if (e.code === 14 || e.code === 4 || e.code === 1) throw err; // UNAVAILABLE/DEADLINE/CANCELLED: the oms is gone
    return `refused ${e.code}`;
  }
}

interface Snapshot {
  orders: Record<string, unknown>[];
  executions: Record<string, unknown>[];
  positions: unknown;
  transitions: string[];
  kinds: Record<string, number>;
}

async function pages<T>(oms: OmsProcess, method: string, key: string, req: object = {}): Promise<T[]> {
  const out: T[] = [];
  let pageToken = '';
  do {
    const page = await oms.client.call<Record<string, unknown> & { pageInfo: { nextPageToken: string } }>(
      method,
      {
        ...req,
        page: { pageSize: 1000, pageToken },
      },
    );
    out.push(...(page[key] as T[]));
    pageToken = page.pageInfo.nextPageToken;
  } while (pageToken);
  return out;
}

/** The state to compare, without times (they differ between runs by nature). */
async function snapshot(oms: OmsProcess): Promise<Snapshot> {
  const orders = (await pages<OrderWire & Record<string, unknown>>(oms, 'listOrders', 'orders')).map(
    ({ transactTimeMicros: _t, ...o }) => o,
  );
  const executions = (await pages<Record<string, unknown>>(oms, 'listExecutions', 'executions'))
    .map(({ transactTimeMicros: _t, ...e }) => e)
    .sort((a, b) => (`${a.orderId}|${a.execId}` < `${b.orderId}|${b.execId}` ? -1 : 1));
  const positions = await oms.client.call('listPositions', {});
  const verdict = await oms.client.call<{ ok: boolean; firstBroken: unknown }>('verifyJournal', {});
  assert.equal(verdict.ok, true, `journal verifies: ${JSON.stringify(verdict.firstBroken)}`);
  const journal = await journalOf(oms.client, {});
  const kinds: Record<string, number> = {};
  const transitions: string[] = [];
  for (const e of journal) {
    kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    if (e.kind === 'order.state' || e.kind === 'execution') {
      const doc = JSON.parse(e.afterState) as {
        order: { version: number };
        event: { type: string; execId?: string };
      };
      transitions.push(`${e.subjectId}|v${doc.order.version}|${doc.event.type}|${doc.event.execId ?? ''}`);
    }
  }
  transitions.sort();
  return { orders, executions, positions, transitions, kinds };
}

let mesh: Mesh;
const steps = orderStream(20261122);
const KILLS = new Map(
  KILL_PLAN.map(([from, delayMs]) => [
    steps.findIndex((s, i) => i >= from && s.method === 'submitOrder'),
    delayMs,
  ]),
);
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await mesh?.close();
});

test('an oms SIGKILLed three times in a stream of orders ends in exactly the state of an uninterrupted run', async (t) => {
  const [uStack, kStack]: Stack[] = [await mesh.stack('u.', QUOTES), await mesh.stack('k.', QUOTES)];

  // Uninterrupted.
  const u = await startOms(uStack, path.join(mesh.root, 'oms-u'));
  const uOutcomes: string[] = [];
  for (const step of steps) uOutcomes.push(await send(u, step));
  const expected = await snapshot(u);
  await u.stop('SIGTERM');

  // Killed with a request in flight, restarted on its journal, the request retried.
  const dir = path.join(mesh.root, 'oms-k');
  let k = await startOms(kStack, dir);
  const kOutcomes: string[] = [];
  for (let i = 0; i < steps.length; i++) {
    const delayMs = KILLS.get(i);
    if (delayMs === undefined) {
      kOutcomes.push(await send(k, steps[i]!));
      continue;
    }
    const inFlight = send(k, steps[i]!).catch(() => 'lost');
    await sleep(delayMs);
    k.proc.kill('SIGKILL');
    const { signal } = await k.proc.exited;
    assert.equal(signal, 'SIGKILL');
    await inFlight;
    k.client.close();
    k = await startOms(kStack, dir);
    const rebuilt = k.proc.logs().find((l) => l.msg === 'oms state rebuilt from the journal');
    assert.ok(rebuilt && Number(rebuilt.entries) > 0, 'the restarted oms rebuilt from a non-empty journal');
    const retried = await k.client
      .call<{ duplicate?: boolean }>(steps[i]!.method, steps[i]!.request)
      .catch(() => ({ duplicate: undefined }));
    t.diagnostic(
      `killed ${delayMs} ms into step ${i} (${steps[i]!.method}); journal had ${String(rebuilt.entries)} entries; ` +
        `the retry was ${retried.duplicate ? 'a repeat of a journaled request' : 'new or not a submit'}; venues ${JSON.stringify(rebuilt.venues)}`,
    );
    kOutcomes.push(await send(k, steps[i]!));
  }
  const actual = await snapshot(k);
  await k.stop('SIGTERM');

  assert.ok(expected.orders.length > 80, `a real stream (${expected.orders.length} orders)`);
  assert.ok(expected.executions.filter((e) => e.execType === 2).length > 20, 'with fills');
  assert.deepEqual(kOutcomes, uOutcomes, 'every request got the same answer (the retried ones included)');
  assert.deepEqual(actual.orders, expected.orders);
  assert.deepEqual(actual.executions, expected.executions);
  assert.deepEqual(actual.positions, expected.positions);
  assert.deepEqual(actual.transitions, expected.transitions);
  assert.deepEqual(actual.kinds, expected.kinds);
});
