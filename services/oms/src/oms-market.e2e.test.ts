// The oms driving its simulated venue (issue 7): books seeded from the simulated market's depth,
// GTD orders and held GTD stops expiring at their ExpireTime, DAY orders and held DAY stops at the
// session close (OMS_SESSION_CLOSE_UTC set seconds ahead), and a restart rebuilding the same
// state, the seeded book included. Real broker, symbol, risk and oms processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventsV1 } from '@tapeline/contracts';
import { startService, waitFor } from '@tapeline/test-kit';
import { startMesh, startOms, type Mesh, type OmsProcess, type Stack } from './testing/mesh';
import { BUY, GTC, IOC, journalOf, S, SELL, submitRequest, type OrderWire } from './testing/wire';

const QUOTES = [{ instrumentId: 'AAPL.XNAS', priceScale: 2, bid: 9990n, ask: 10010n }];
const MARKET = 1;
const STOP = 3;
const DAY = 1;
const GTD = 5;
const EXPIRED = 10;
/** Seconds from the oms's start to the session close: DAY orders are placed well before it. */
const CLOSE_IN_S = 40;

const utcTimeOfDay = (ms: number) => new Date(ms).toISOString().slice(11, 19);

describe('oms and its simulated venue: market seeding and expiry', () => {
  let mesh: Mesh;
  let stack: Stack;
  let oms: OmsProcess;
  let dir: string;
  let env: Record<string, string>;
  let closeMs: number;
  let dayPlacedMs: number;
  let depthSequence = 0;
  const day: Record<string, OrderWire> = {};

  before(async () => {
    mesh = await startMesh();
    stack = await mesh.stack('mkt.', QUOTES);
    dir = path.join(mesh.root, 'oms-mkt');
    closeMs = Math.ceil((Date.now() + CLOSE_IN_S * 1000) / 1000) * 1000;
    env = {
      OMS_SEED_INTERVAL_MS: '200',
      // The test stops publishing depth; the seeded book must stay as it is until the restart.
      OMS_SEED_MAX_AGE_MS: '3600000',
      OMS_EXPIRY_CHECK_MS: '100',
      OMS_SESSION_CLOSE_UTC: utcTimeOfDay(closeMs),
    };
    oms = await startOms(stack, dir, env);
    // DAY orders first, so that they are in before the close however slow the rest is.
    day.limit = (
      await submit({ clOrdId: 'DAY-L', side: BUY, qty: 5n, price: 9800n, timeInForce: DAY })
    ).order;
    day.stop = (
      await submit({
        clOrdId: 'DAY-S',
        side: SELL,
        qty: 5n,
        ordType: STOP,
        stopPrice: 9000n,
        timeInForce: DAY,
      })
    ).order;
    day.gtc = (await submit({ clOrdId: 'GTC-L', side: BUY, qty: 5n, price: 9810n, timeInForce: GTC })).order;
    dayPlacedMs = Date.now();
  });
  after(async () => {
    await oms?.stop('SIGKILL');
    await mesh?.close();
  });

  function submit(f: {
    clOrdId: string;
    side: number;
    qty: bigint;
    price?: bigint;
    ordType?: number;
    stopPrice?: bigint;
    timeInForce: number;
    expireTimeMicros?: bigint;
  }) {
    const base = submitRequest({
      accountId: 'EQ-CASH-1',
      clOrdId: f.clOrdId,
      side: f.side,
      qty: f.qty,
      price: 0n,
    });
    const { price: _price, ...rest } = base;
    return oms.client.call<{ order: OrderWire; rejections: { control: string }[] }>('submitOrder', {
      ...rest,
      ordType: f.ordType ?? (f.price === undefined ? MARKET : 2),
      timeInForce: f.timeInForce,
      ...(f.price !== undefined ? { price: { mantissa: f.price.toString(), scale: 2 } } : {}),
      ...(f.stopPrice !== undefined ? { stopPrice: { mantissa: f.stopPrice.toString(), scale: 2 } } : {}),
      ...(f.expireTimeMicros !== undefined
        ? { expireTime: { unixMicros: f.expireTimeMicros.toString() } }
        : {}),
    });
  }

  async function getOrder(orderId: string): Promise<OrderWire> {
    return (await oms.client.call<{ order: OrderWire }>('getOrder', { accountId: 'EQ-CASH-1', orderId }))
      .order;
  }

  async function seedEntries() {
    return (await journalOf(oms.client, {})).filter((e) => e.kind === 'venue.command');
  }

  /** The market's book as market-data publishes it: a snapshot on `depth`. */
  function publishDepth(bids: [bigint, bigint][], asks: [bigint, bigint][]) {
    const now = String(Date.now() * 1000);
    const levels = (ls: [bigint, bigint][]) =>
      ls.map(([p, s]) => ({ price: p.toString(), size: s.toString() }));
    return stack.bus.publishMany('depth', [
      {
        instrumentId: 'AAPL.XNAS',
        venue: 'TEST',
        sequence: String(++depthSequence),
        previousSequence: '0',
        kind: eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT,
        priceScale: 2,
        sizeScale: 0,
        bids: levels(bids),
        asks: levels(asks),
        exchangeTimeMicros: now,
        receiveTimeMicros: now,
        publishTimeMicros: now,
      },
    ]);
  }

  test('a market order fills against the liquidity seeded from the market depth', async () => {
    const bids: [bigint, bigint][] = [
      [9990n, 40n],
      [9980n, 40n],
    ];
    const asks: [bigint, bigint][] = [
      [10010n, 30n],
      [10020n, 50n],
    ];
    // The oms's consumer starts at the newest offset once it joined: publish until it has seeded.
    const seed = await waitFor(
      'the oms to seed the AAPL book of SIM from the depth',
      async () => {
        await publishDepth(bids, asks);
        return (await seedEntries()).find((e) => e.instrumentId === 'AAPL.XNAS');
      },
      60_000,
      500,
    );
    assert.equal(seed.subjectId, 'SIM');
    const doc = JSON.parse(seed.afterState) as { venue: string; command: Record<string, unknown> };
    assert.equal(doc.command.kind, 'seed');
    assert.equal(doc.command.replace, true);
    assert.deepEqual(doc.command.snapshot, {
      bids: [
        { price: 9990, qty: 40 },
        { price: 9980, qty: 40 },
      ],
      asks: [
        { price: 10010, qty: 30 },
        { price: 10020, qty: 50 },
      ],
    });

    const buy = await submit({ clOrdId: 'MKT-1', side: BUY, qty: 60n, timeInForce: IOC });
    assert.deepEqual(
      [buy.order.ordStatus, buy.order.cumQty, buy.order.avgPx],
      [S.FILLED, '60', '10015'],
      // 30 @ 100.10 + 30 @ 100.20
      JSON.stringify(buy),
    );
    const executions = await oms.client.call<{
      executions: { execType: number; lastPx: string; lastQty: string }[];
    }>('listExecutions', { orderId: buy.order.orderId });
    assert.deepEqual(
      executions.executions.filter((e) => e.execType === 2).map((e) => [e.lastQty, e.lastPx]),
      [
        ['30', '10010'],
        ['30', '10020'],
      ],
    );
  });

  test('a GTD limit order and a held GTD stop expire at their ExpireTime', async () => {
    const expireAt = BigInt(Date.now() + 3000) * 1000n;
    const limit = await submit({
      clOrdId: 'GTD-L',
      side: BUY,
      qty: 4n,
      price: 9900n,
      timeInForce: GTD,
      expireTimeMicros: expireAt,
    });
    const stop = await submit({
      clOrdId: 'GTD-S',
      side: SELL,
      qty: 4n,
      ordType: STOP,
      stopPrice: 9000n,
      timeInForce: GTD,
      expireTimeMicros: expireAt,
    });
    assert.deepEqual([limit.order.ordStatus, stop.order.ordStatus], [S.NEW, S.NEW]);
    for (const o of [limit.order, stop.order]) {
      const done = await waitFor(
        `${o.clOrdId} to expire`,
        async () => {
          const now = await getOrder(o.orderId);
          return now.ordStatus === EXPIRED ? now : undefined;
        },
        20_000,
        100,
      );
      assert.ok(
        BigInt(done.transactTimeMicros) >= expireAt,
        `${o.clOrdId} expired at or after its ExpireTime`,
      );
      assert.equal(done.leavesQty, '0');
    }
    // The limit order expired at the venue (its Expire is the venue's report, after a journaled
    // expire command); the held stop in the oms.
    const limitJournal = await journalOf(oms.client, { orderId: limit.order.orderId });
    const expiry = limitJournal.find((e) => JSON.parse(e.afterState).event?.type === 'Expire');
    assert.equal(expiry?.actor.userId, 'venue:SIM');
    const commands = (await seedEntries()).map((e) => JSON.parse(e.afterState).command.kind as string);
    assert.ok(commands.includes('expire'), `an expire command was journaled: ${commands.join(',')}`);
    const stopJournal = await journalOf(oms.client, { orderId: stop.order.orderId });
    assert.equal(
      stopJournal.find((e) => JSON.parse(e.afterState).event?.type === 'Expire')?.actor.userId,
      'oms',
    );
  });

  test('DAY orders and held DAY stops expire at the session close; GTC orders stay', async () => {
    assert.ok(dayPlacedMs < closeMs, 'the DAY orders were placed before the close');
    assert.deepEqual([day.limit!.ordStatus, day.stop!.ordStatus, day.gtc!.ordStatus], [S.NEW, S.NEW, S.NEW]);
    if (Date.now() < closeMs - 1000) {
      assert.equal((await getOrder(day.limit!.orderId)).ordStatus, S.NEW, 'not expired before the close');
    }
    for (const o of [day.limit!, day.stop!]) {
      const done = await waitFor(
        `${o.clOrdId} to expire at the close`,
        async () => {
          const now = await getOrder(o.orderId);
          return now.ordStatus === EXPIRED ? now : undefined;
        },
        Math.max(closeMs - Date.now(), 0) + 20_000,
        200,
      );
      assert.ok(
        BigInt(done.transactTimeMicros) >= BigInt(closeMs) * 1000n,
        `${o.clOrdId} expired at the close`,
      );
    }
    assert.equal((await getOrder(day.gtc!.orderId)).ordStatus, S.NEW);
    const commands = (await seedEntries()).map((e) => JSON.parse(e.afterState).command.kind as string);
    assert.equal(commands.filter((k) => k === 'endOfDay').length, 1, commands.join(','));
  });

  test('a restart rebuilds the same orders, executions and seeded book; a missed close is caught up', async () => {
    const before = await state();
    await oms.stop('SIGKILL');
    oms = await startOms(stack, dir, env);
    const rebuilt = oms.proc.logs().find((l) => l.msg === 'oms state rebuilt from the journal');
    assert.deepEqual(
      (rebuilt?.venues as { venue: string; diverged: boolean; recovered: number }[]).map((v) => [
        v.venue,
        v.diverged,
        v.recovered,
      ]),
      [['SIM', false, 0]],
    );
    assert.deepEqual(await state(), before);
    // What the market order left of the seed (20 @ 100.20) is still there after the replay.
    const buy = await submit({ clOrdId: 'MKT-2', side: BUY, qty: 10n, timeInForce: IOC });
    assert.deepEqual([buy.order.ordStatus, buy.order.avgPx], [S.FILLED, '10020']);

    // A DAY order, then a restart whose session close lies between it and now: it is expired at start.
    const late = (await submit({ clOrdId: 'DAY-2', side: BUY, qty: 2n, price: 9700n, timeInForce: DAY }))
      .order;
    await sleep(3500);
    await oms.stop('SIGTERM');
    oms = await startOms(stack, dir, { ...env, OMS_SESSION_CLOSE_UTC: utcTimeOfDay(Date.now() - 1000) });
    const expired = await waitFor(
      'the DAY order of a missed close to expire',
      async () => {
        const o = await getOrder(late.orderId);
        return o.ordStatus === EXPIRED ? o : undefined;
      },
      10_000,
      100,
    );
    assert.equal(expired.leavesQty, '0');
    assert.equal((await getOrder(day.gtc!.orderId)).ordStatus, S.NEW);
    const verdict = await oms.client.call<{ ok: boolean }>('verifyJournal', {});
    assert.equal(verdict.ok, true);
  });

  /** Orders and executions without times (a rebuild keeps them, but compare what matters). */
  async function state() {
    const orders = (
      await oms.client.call<{ orders: OrderWire[] }>('listOrders', { page: { pageSize: 1000 } })
    ).orders;
    const executions = (
      await oms.client.call<{ executions: Record<string, unknown>[] }>('listExecutions', {
        page: { pageSize: 1000 },
      })
    ).executions;
    return { orders, executions, positions: await oms.client.call('listPositions', {}) };
  }
});

test('refuses a session close that is not a time of day, naming the variable', async () => {
  const proc = startService('oms', {
    KAFKA_BROKERS: '127.0.0.1:1',
    OMS_SESSION_CLOSE_UTC: '25:00',
    OMS_SEED_INTERVAL_MS: '-1',
  });
  const { code } = await proc.exited;
  assert.equal(code, 1);
  assert.match(proc.output, /invalid configuration for oms: 2 problem\(s\)/);
  assert.match(
    proc.output,
    /OMS_SESSION_CLOSE_UTC: must be a UTC time of day HH:MM:SS \(e\.g\. 21:00:00\) or "off", got "25:00"/,
  );
  assert.match(proc.output, /OMS_SEED_INTERVAL_MS: must be between 0 and 3600000, got -1/);
});
