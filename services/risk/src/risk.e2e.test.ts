import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { createBus, type Bus, type BusLogger, type EventConsumer } from '@tapeline/bus';
import { commonV1, eventsV1, riskV1, tradingV1 } from '@tapeline/contracts';
import { JournalChain, toJournalEntryEvent, type JournalActor } from '@tapeline/journal';
import { silentLogger, startBroker, type RunningBroker } from '@tapeline/kafka-broker';
import { freePort, grpcClient, startService, waitFor, type RunningProcess } from '@tapeline/test-kit';
import { killSwitchStates, limitChangeStates, TRIP_ALERT } from '@tapeline/risk-checks';

// Limits of the test (hand-picked so each control can be passed and breached on its own).
const LIMITS = `
global:
  max_order_value: '1000000'
  credit_limit: '5000000'
  price_collar: 500
  max_open_orders: 3
  duplicate_order: 2s
desks:
  EQ: { max_order_qty: '1000' }
instruments:
  AAPL.XNAS: { max_position: '1200' }
accounts:
  T1: { message_throttle: 2/60s }
`;

const OFFICER: JournalActor = {
  userId: 'ro-1',
  clientId: 'risk-console',
  desk: 'RISK',
  role: 'risk_officer',
};
const quiet: BusLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DAY_MICROS = 86_400_000_000;
const nowMicros = () => Date.now() * 1000;

type Client = ReturnType<typeof grpcClient>;
type Figures = Record<string, string>;
interface CheckAnswer {
  accepted: boolean;
  rejections: { control: string; message: string; figures: Figures }[];
  checkMicros: number;
}

function dec(text: string): { mantissa: string; scale: number } {
  const [whole, frac = ''] = text.split('.');
  return { mantissa: String(BigInt(whole! + frac)), scale: frac.length };
}

let nextId = 0;
function order(
  accountId: string,
  qty: string,
  price: string | undefined,
  more: Record<string, unknown> = {},
) {
  return {
    accountId,
    desk: 'EQ',
    instrumentId: 'AAPL.XNAS',
    side: commonV1.Side.SIDE_BUY,
    ordType: price === undefined ? tradingV1.OrdType.ORD_TYPE_MARKET : tradingV1.OrdType.ORD_TYPE_LIMIT,
    orderQty: dec(qty),
    ...(price === undefined ? {} : { price: dec(price) }),
    clOrdId: `c-${++nextId}`,
    ...more,
  };
}

let quoteSeq = 0;
function quote(instrumentId: string, bid: string, ask: string, atMicros = nowMicros()): eventsV1.QuoteEvent {
  const b = dec(bid);
  return {
    instrumentId,
    venue: 'SIM',
    sequence: String(++quoteSeq),
    priceScale: b.scale,
    sizeScale: 0,
    bidPrice: b.mantissa,
    bidSize: '100',
    askPrice: dec(ask).mantissa,
    askSize: '100',
    exchangeTimeMicros: String(atMicros),
    receiveTimeMicros: String(atMicros),
    publishTimeMicros: String(atMicros),
  };
}

function fill(
  accountId: string,
  clOrdId: string,
  instrumentId: string,
  qty: string,
  px: string,
): eventsV1.ExecutionEvent {
  const p = dec(px);
  return {
    execId: `x-${++nextId}`,
    orderId: `o-${clOrdId}`,
    clOrdId,
    accountId,
    instrumentId,
    venue: 'SIM',
    execType: tradingV1.ExecType.EXEC_TYPE_TRADE,
    ordStatus: tradingV1.OrdStatus.ORD_STATUS_FILLED,
    side: commonV1.Side.SIDE_BUY,
    priceScale: p.scale,
    sizeScale: 0,
    lastQty: qty,
    lastPx: p.mantissa,
    cumQty: qty,
    leavesQty: '0',
    avgPx: p.mantissa,
    transactTimeMicros: String(nowMicros()),
    text: '',
  };
}

describe('risk service over gRPC, fed from the bus', () => {
  let broker: RunningBroker;
  let dataDir: string;
  let bus: Bus;
  let symbol: RunningProcess;
  let risk: RunningProcess;
  let riskEnv: Record<string, string>;
  let client: Client;
  let metricsPort: number;
  const alerts: eventsV1.AlertEvent[] = [];
  let alertConsumer: EventConsumer;

  async function startRisk(): Promise<void> {
    risk = startService('risk', riskEnv);
    const health = grpcClient('health', `127.0.0.1:${riskEnv['GRPC_PORT']}`);
    try {
      await waitFor(
        'risk SERVING',
        async () => (await health.call<{ status: number }>('check', { service: '' })).status === 1,
        30_000,
        50,
      );
    } finally {
      health.close();
    }
  }

  const check = (req: object) => client.call<CheckAnswer>('checkOrder', req);
  const setLimit = (scope: string, target: string, control: string, value: string) =>
    client.call<{ previousValue: string; value: string }>('setLimit', {
      actor: OFFICER,
      scope,
      target,
      control,
      value,
    });
  const setKillSwitch = (scope: riskV1.KillSwitchScope, target: string, engaged: boolean) =>
    client.call<{ wasEngaged: boolean; engaged: boolean }>('setKillSwitch', {
      actor: OFFICER,
      scope,
      target,
      engaged,
      reason: 'test',
    });
  const report = (req: object) => client.call<Record<string, unknown>>('getRiskReport', req);

  /** The one rejection of the answer, which must be of `control`. */
  function onlyRejection(answer: CheckAnswer, control: string): Figures {
    assert.equal(answer.accepted, false, `expected a ${control} rejection`);
    assert.deepEqual(
      answer.rejections.map((r) => r.control),
      [control],
    );
    return answer.rejections[0]!.figures;
  }

  /** Polls a check expected to be rejected until its rejection's figures match. */
  async function rejectedWith(req: () => object, control: string, figures: Figures): Promise<void> {
    await waitFor(`${control} rejection with ${JSON.stringify(figures)}`, async () => {
      const r = (await check(req())).rejections.find((x) => x.control === control);
      return r !== undefined && Object.entries(figures).every(([k, v]) => r.figures[k] === v);
    });
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'risk-e2e-'));
    broker = await startBroker({
      port: 0,
      host: '127.0.0.1',
      dataDir: path.join(dataDir, 'kafka'),
      logger: silentLogger,
    });
    const limitsFile = path.join(dataDir, 'limits.yaml');
    writeFileSync(limitsFile, LIMITS);
    const [symbolGrpc, symbolMetrics, grpcPort] = await Promise.all([freePort(), freePort(), freePort()]);
    metricsPort = await freePort();
    symbol = startService('symbol', { GRPC_PORT: String(symbolGrpc), METRICS_PORT: String(symbolMetrics) });
    riskEnv = {
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(metricsPort),
      SYMBOL_GRPC_ADDR: `127.0.0.1:${symbolGrpc}`,
      KAFKA_BROKERS: broker.address,
      RISK_LIMITS_FILE: limitsFile,
      RISK_REPLAY_QUIET_MS: '300',
      RISK_VAR_BUCKET_SECONDS: '86400',
      RISK_PNL_CHECK_MS: '100',
    };
    bus = createBus(
      {
        brokers: [broker.address],
        clientId: 'risk-e2e',
        topicPrefix: '',
        ssl: false,
        topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 },
      },
      quiet,
    );
    await bus.ensureTopics();
    await startRisk();
    client = grpcClient('risk', `127.0.0.1:${grpcPort}`);
    alertConsumer = await bus.consume({
      groupId: 'risk-e2e-alerts',
      topics: ['alerts'],
      fromBeginning: true,
      maxWaitTimeMs: 100,
      handler: (e) => void alerts.push(e.value),
    });
    await bus.publishMany('quotes', [
      quote('AAPL.XNAS', '199.99', '200.01'),
      quote('MSFT.XNAS', '399.99', '400.01'),
      quote('ESZ6.XCME', '4999.75', '5000.25'),
    ]);
    await rejectedWith(() => order('PROBE', '1', '250.00'), 'price_collar', { actual: '200.00' });
  });

  after(async () => {
    client?.close();
    await alertConsumer?.close();
    await bus?.close();
    risk?.kill();
    symbol?.kill();
    await Promise.all([risk?.exited, symbol?.exited]);
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('max_order_qty: the desk bound passes at the limit and refuses one more', async () => {
    assert.equal((await check(order('Q1', '1000', '200.00'))).accepted, true);
    const figures = onlyRejection(await check(order('Q2', '1001', '200.00')), 'max_order_qty');
    assert.deepEqual(figures, {
      limit: '1000',
      requested: '1001',
      actual: '1001',
      scope: 'desk:EQ',
      unit: 'quantity',
    });
  });

  test('max_order_value: 4 ES at 5000.00 x 50 is exactly the limit, 5 are over it', async () => {
    const es = { instrumentId: 'ESZ6.XCME' };
    assert.equal((await check(order('V1', '4', '5000.00', es))).accepted, true);
    const figures = onlyRejection(await check(order('V2', '5', '5000.00', es)), 'max_order_value');
    assert.equal(figures['limit'], '1000000.0000');
    assert.equal(figures['requested'], '1250000.0000');
    assert.equal(figures['scope'], 'global');
  });

  test('price_collar: 5% either side of the 200.00 mid', async () => {
    assert.equal((await check(order('PC1', '1', '210.00'))).accepted, true);
    assert.equal(
      (await check(order('PC1', '1', '190.00', { side: commonV1.Side.SIDE_SELL }))).accepted,
      true,
    );
    const above = onlyRejection(await check(order('PC2', '1', '210.01')), 'price_collar');
    assert.deepEqual([above['limit'], above['requested'], above['actual']], ['210.00', '210.01', '200.00']);
    const below = await check(order('PC2', '1', '189.99', { side: commonV1.Side.SIDE_SELL }));
    assert.equal(onlyRejection(below, 'price_collar')['limit'], '190.00');
    assert.match(below.rejections[0]!.message, /below the reference 200\.00/);
  });

  test('credit_limit set with SetLimit takes effect: 250 x 200.00 fits 50000, one more does not', async () => {
    assert.deepEqual(await setLimit('account', 'C1', 'credit_limit', '50000'), {
      previousValue: '',
      value: '50000',
    });
    assert.equal((await check(order('C1', '250', '200.00'))).accepted, true);
    const figures = onlyRejection(await check(order('C1', '1', '200.00')), 'credit_limit');
    assert.deepEqual(
      [figures['limit'], figures['requested'], figures['actual']],
      ['50000.0000', '200.0000', '50000.0000'],
    );
    assert.equal(figures['scope'], 'account:C1');
  });

  test('max_open_orders: the fourth working order of an account is refused', async () => {
    for (const px of ['200.00', '200.01', '200.02'])
      assert.equal((await check(order('M1', '1', px))).accepted, true);
    const figures = onlyRejection(await check(order('M1', '1', '200.03')), 'max_open_orders');
    assert.deepEqual([figures['limit'], figures['actual']], ['3', '3']);
  });

  test('message_throttle: 2 orders a minute for T1, the third is refused', async () => {
    assert.equal((await check(order('T1', '1', '200.00'))).accepted, true);
    assert.equal((await check(order('T1', '1', '200.01'))).accepted, true);
    const figures = onlyRejection(await check(order('T1', '1', '200.02')), 'message_throttle');
    assert.deepEqual([figures['limit'], figures['actual'], figures['scope']], ['2', '2', 'account:T1']);
  });

  test('duplicate_order: the same order shape again within 2 s is refused', async () => {
    assert.equal((await check(order('D1', '7', '200.00'))).accepted, true);
    const answer = await check(order('D1', '7', '200.00'));
    onlyRejection(answer, 'duplicate_order');
    assert.match(answer.rejections[0]!.message, /within the 2000000 µs duplicate window/);
    assert.equal((await check(order('D1', '8', '200.00'))).accepted, true);
  });

  test('restricted_instrument: an account-level restriction blocks that account only, until lifted', async () => {
    await setLimit('account', 'R1/AAPL.XNAS', 'restricted_instrument', 'true');
    const figures = onlyRejection(await check(order('R1', '1', '200.00')), 'restricted_instrument');
    assert.equal(figures['scope'], 'account:R1');
    assert.equal((await check(order('R2', '1', '200.00'))).accepted, true);
    assert.deepEqual(await setLimit('account', 'R1/AAPL.XNAS', 'restricted_instrument', ''), {
      previousValue: 'true',
      value: '',
    });
    assert.equal((await check(order('R1', '1', '200.00'))).accepted, true);
  });

  test('an order breaching several controls is refused with every rejection', async () => {
    const answer = await check(order('X1', '1001', '220.00'));
    assert.deepEqual(
      answer.rejections.map((r) => r.control),
      ['max_order_qty', 'price_collar'],
    );
    assert.ok(answer.checkMicros >= 1);
  });

  test('kill switches block new orders of their account, desk or everyone, and release', async () => {
    const {
      KILL_SWITCH_SCOPE_ACCOUNT: ACCOUNT,
      KILL_SWITCH_SCOPE_DESK: DESK,
      KILL_SWITCH_SCOPE_GLOBAL: GLOBAL,
    } = riskV1.KillSwitchScope;
    assert.deepEqual(await setKillSwitch(ACCOUNT, 'K1', true), { wasEngaged: false, engaged: true });
    assert.equal(
      onlyRejection(await check(order('K1', '1', '200.00')), 'kill_switch')['scope'],
      'account:K1',
    );
    assert.equal((await check(order('K2', '1', '200.00'))).accepted, true);

    await setKillSwitch(DESK, 'KD', true);
    const kd = { desk: 'KD' };
    assert.equal(
      onlyRejection(await check(order('K3', '1', '200.00', kd)), 'kill_switch')['scope'],
      'desk:KD',
    );
    assert.deepEqual(await client.call('getKillSwitchState', { accountId: 'K3', desk: 'KD' }), {
      globalEngaged: false,
      deskEngaged: true,
      accountEngaged: false,
    });
    assert.equal((await check(order('K4', '1', '200.00'))).accepted, true, 'desk EQ is not blocked');

    await setKillSwitch(GLOBAL, '', true);
    assert.equal(onlyRejection(await check(order('K5', '1', '200.00')), 'kill_switch')['scope'], 'global');
    const listed = await client.call<{ engagedKillSwitches: string[] }>('listLimits', {});
    assert.deepEqual(listed.engagedKillSwitches, ['account:K1', 'desk:KD', 'global']);

    assert.deepEqual(await setKillSwitch(GLOBAL, '', false), { wasEngaged: true, engaged: false });
    await setKillSwitch(DESK, 'KD', false);
    await setKillSwitch(ACCOUNT, 'K1', false);
    assert.equal((await check(order('K1', '1', '200.00'))).accepted, true);
    assert.equal((await check(order('K3', '1', '200.00', kd))).accepted, true);
  });

  test('SetLimit and SetKillSwitch refuse bad requests naming the field', async () => {
    const refusals: [object, RegExp][] = [
      [
        { scope: 'desk', target: 'EQ', control: 'max_qty', value: '1' },
        /^control: unknown control "max_qty"/,
      ],
      [
        { scope: 'desk', target: 'EQ', control: 'max_order_qty', value: '-5' },
        /^value: must not be negative/,
      ],
      [{ scope: 'global', target: 'EQ', control: 'max_order_qty', value: '5' }, /^target: must be empty/],
      [{ scope: 'team', target: 'EQ', control: 'max_order_qty', value: '5' }, /^scope: must be one of/],
      [
        { scope: 'account', target: 'A1/AAPL.XNAS', control: 'credit_limit', value: '5' },
        /^target: credit_limit is account-wide/,
      ],
      [
        { scope: 'instrument', target: 'NOPE.XNAS', control: 'max_order_qty', value: '5' },
        /^target: "NOPE.XNAS" is not an instrument/,
      ],
      [
        { scope: 'global', target: '', control: 'message_throttle', value: '10 per s' },
        /^value: must be MESSAGES\/DURATION/,
      ],
    ];
    for (const [req, message] of refusals) {
      await assert.rejects(
        client.call('setLimit', { actor: OFFICER, ...req }),
        (err: { code: number; details: string }) => {
          assert.equal(err.code, status.INVALID_ARGUMENT, JSON.stringify(req));
          assert.match(err.details, message);
          return true;
        },
      );
    }
    await assert.rejects(
      client.call('setLimit', { scope: 'global', target: '', control: 'max_order_qty', value: '5' }),
      {
        code: status.INVALID_ARGUMENT,
        details: 'actor.user_id: is required',
      },
    );
    await assert.rejects(
      client.call('setKillSwitch', { actor: OFFICER, scope: 2, target: '', engaged: true }),
      {
        code: status.INVALID_ARGUMENT,
        details: 'target: the desk id is required',
      },
    );
    await assert.rejects(
      check({ ...order('E1', '0.5', '200.00') }),
      (err: { code: number; details: string }) => {
        assert.equal(err.code, status.INVALID_ARGUMENT);
        assert.match(err.details, /^order_qty: 5e-1 does not fit AAPL.XNAS's scale 0/);
        return true;
      },
    );
  });

  test('ListLimits shows the file defaults and the changes made since', async () => {
    const { limits } = await client.call<{
      limits: { scope: string; target: string; control: string; value: string }[];
    }>('listLimits', {});
    const has = (scope: string, target: string, control: string, value: string) =>
      assert.ok(
        limits.some(
          (l) => l.scope === scope && l.target === target && l.control === control && l.value === value,
        ),
        `${scope} ${target} ${control}=${value} in ${JSON.stringify(limits)}`,
      );
    has('global', '', 'duplicate_order', '2s');
    has('desk', 'EQ', 'max_order_qty', '1000');
    has('instrument', 'AAPL.XNAS', 'max_position', '1200');
    has('account', 'T1', 'message_throttle', '2/60s');
    has('account', 'C1', 'credit_limit', '50000');
    assert.equal(limits[0]!.scope, 'global', 'sorted from global to instrument');
  });

  test('a quote moves the price collar reference', async () => {
    await bus.publish('quotes', quote('SAP.XETR', '99.98', '100.02'));
    const sap = (price: string) => order('S1', '1', price, { instrumentId: 'SAP.XETR' });
    await rejectedWith(() => sap('120.00'), 'price_collar', { actual: '100.00', limit: '105.00' });
    await bus.publish('quotes', quote('SAP.XETR', '119.98', '120.02'));
    await rejectedWith(() => sap('100.00'), 'price_collar', { actual: '120.00', limit: '114.00' });
    assert.equal((await check(sap('120.00'))).accepted, true);
  });

  test('an execution moves the position, and the position limit bites', async () => {
    const buy = order('P1', '1000', '200.00');
    assert.equal((await check(buy)).accepted, true);
    await bus.publish('executions', fill('P1', buy.clOrdId, 'AAPL.XNAS', '1000', '200.00'));
    await waitFor(
      'P1 position',
      async () => (await report({ accountId: 'P1' }))['grossExposure'] === '200000.0000',
    );
    assert.equal(
      (await check(order('P1', '200', '200.00'))).accepted,
      true,
      '1000 held + 200 working = 1200',
    );
    const figures = onlyRejection(await check(order('P1', '1', '200.00')), 'max_position');
    assert.deepEqual(
      [figures['limit'], figures['requested'], figures['actual'], figures['scope']],
      ['1200', '1', '1000', 'instrument:AAPL.XNAS'],
    );
  });

  test('the daily loss limit trips the account kill switch and publishes the trip for the journal', async () => {
    await setLimit('account', 'L1', 'daily_loss_limit', '1000');
    const buy = order('L1', '100', '400.00', { instrumentId: 'MSFT.XNAS' });
    assert.equal((await check(buy)).accepted, true);
    await bus.publish('executions', fill('L1', buy.clOrdId, 'MSFT.XNAS', '100', '400.00'));
    await waitFor(
      'L1 position',
      async () => (await report({ accountId: 'L1' }))['grossExposure'] === '40000.0000',
    );
    // 100 x (385.00 - 400.00) = -1500 unrealised: over the 1000 limit.
    await bus.publish('quotes', quote('MSFT.XNAS', '384.99', '385.01'));
    await waitFor('L1 kill switch', async () =>
      Boolean(
        (await client.call<{ accountEngaged: boolean }>('getKillSwitchState', { accountId: 'L1' }))
          .accountEngaged,
      ),
    );
    const figures = onlyRejection(
      await check(order('L1', '1', '385.00', { instrumentId: 'MSFT.XNAS' })),
      'kill_switch',
    );
    assert.equal(figures['scope'], 'account:L1');
    const l1 = await report({ accountId: 'L1' });
    assert.deepEqual([l1['dailyLoss'], l1['dailyLossLimit']], ['1500.0000', '1000.0000']);

    await waitFor('trip alert', async () => alerts.some((a) => a.attributes[TRIP_ALERT.accountId] === 'L1'));
    const alert = alerts.find((a) => a.attributes[TRIP_ALERT.accountId] === 'L1')!;
    assert.equal(alert.kind, eventsV1.AlertKind.ALERT_KIND_RISK);
    assert.equal(alert.attributes[TRIP_ALERT.journalKind], 'kill_switch');
    assert.equal(alert.attributes[TRIP_ALERT.actorUserId], 'risk-engine');
    assert.equal(alert.attributes[TRIP_ALERT.before], '{"engaged":false,"scope":"account","target":"L1"}');
    assert.deepEqual(JSON.parse(alert.attributes[TRIP_ALERT.after]!), {
      engaged: true,
      reason: 'daily loss 1500.0000 (realised 0.0000, unrealised -1500.0000) exceeds the limit 1000.0000',
      scope: 'account',
      target: 'L1',
    });
    assert.deepEqual(
      [alert.attributes[TRIP_ALERT.loss], alert.attributes[TRIP_ALERT.limit]],
      ['1500.0000', '1000.0000'],
    );
  });

  test('the risk report values a position against daily price history', async () => {
    // NVDA closes on 11 consecutive days; the last (104, seen only there) is the mark.
    const closes = ['100', '101', '99', '100', '98', '102', '100', '100', '103', '101', '104'];
    const day0 = Math.floor(nowMicros() / DAY_MICROS) - 20;
    await bus.publishMany(
      'quotes',
      closes.map((c, i) =>
        quote('NVDA.XNAS', `${c}.00`, `${c}.00`, (day0 + i) * DAY_MICROS + DAY_MICROS / 2),
      ),
    );
    const nvda = { instrumentId: 'NVDA.XNAS' };
    await rejectedWith(() => order('PROBE', '1', '200.00', nvda), 'price_collar', { actual: '104.00' });
    // A fill of an order this process never checked (as after a restart) moves the position too.
    await bus.publish('executions', fill('VR1', 'c-before-restart', 'NVDA.XNAS', '100', '104.00'));
    await waitFor('VR1 position at the last close', async () => {
      return (await report({ accountId: 'VR1' }))['grossExposure'] === '10400.0000';
    });

    const r = await report({ accountId: 'VR1', confidencePercent: 90, horizonDays: 1 });
    // P&L of 10,400 of NVDA on each of 10 days; the worst (90%: k = 1) is 100 -> 98, -2%.
    assert.deepEqual(
      [r['grossExposure'], r['netExposure'], r['realizedPnl'], r['unrealizedPnl']],
      ['10400.0000', '10400.0000', '0.0000', '0.0000'],
    );
    assert.equal(r['varHistorical'], '208.0000');
    assert.equal(r['expectedShortfall'], '208.0000');
    const at80 = await report({ accountId: 'VR1', confidencePercent: 80 });
    // k = 2: the two worst days are -2% (100 -> 98) and -1.9802% (101 -> 99): ES is their mean.
    assert.equal(at80['varHistorical'], '205.9406'); // 10,400 x 2/101
    assert.equal(at80['expectedShortfall'], '206.9703');
    const returns = closes.slice(1).map((c, i) => Number(c) / Number(closes[i]) - 1);
    const pnl = returns.map((x) => 10_400 * x);
    const mean = pnl.reduce((a, b) => a + b, 0) / pnl.length;
    const sigma = Math.sqrt(pnl.reduce((a, x) => a + (x - mean) ** 2, 0) / (pnl.length - 1));
    const z90 = 1.2815515655446004;
    assert.ok(
      Math.abs(Number(r['varParametric']) - z90 * sigma) < 0.001,
      `${String(r['varParametric'])} vs ${z90 * sigma}`,
    );
    const stress = r['stress'] as { scenario: string; pnl: string }[];
    assert.equal(stress.find((s) => s.scenario === 'equity -20%')?.pnl, '-2080.0000');
    assert.equal(stress.find((s) => s.scenario === 'crypto -40%')?.pnl, '0.0000');
    assert.equal(r['initialMargin'], '2600.0000', '25% of 10,400 for equities');
    assert.equal(r['currency'], 'USD');

    await assert.rejects(report({ accountId: 'VR1', desk: 'EQ' }), { code: status.INVALID_ARGUMENT });
  });

  test('exports the check latency histogram and rejections by control', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const count = /risk_check_duration_seconds_count\{[^}]*result="accepted"[^}]*\} (\d+)/.exec(text);
    assert.ok(count && Number(count[1]) >= 20, 'accepted checks counted');
    assert.match(text, /risk_check_duration_seconds_bucket\{le="0.0001",[^}]*result="rejected"[^}]*\} \d+/);
    assert.match(text, /risk_rejections_total\{control="price_collar",service="risk"\} [1-9]/);
    assert.match(text, /risk_rejections_total\{control="kill_switch",service="risk"\} [1-9]/);
  });

  test('after a restart, limits and kill switches come back from the journal, positions from executions', async () => {
    // The journal as the oms writes it: each change with the before/after risk answered.
    const chain = new JournalChain({ clock: nowMicros });
    const limit = { scope: 'account', target: 'J1', control: 'max_order_qty' };
    const stale = limitChangeStates(limit, { previousValue: '', value: '9' });
    const fresh = limitChangeStates(limit, { previousValue: '9', value: '7' });
    const desk = {
      scope: riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_DESK,
      target: 'JD',
      reason: 'desk halted',
    };
    const switched = killSwitchStates(desk, { wasEngaged: false, engaged: true });
    const drafts = [
      { kind: 'limit.change' as const, accountId: 'J1', subjectId: 'account:J1', ...stale },
      { kind: 'limit.change' as const, accountId: 'J1', subjectId: 'account:J1', ...fresh },
      { kind: 'kill_switch' as const, accountId: '', subjectId: 'desk:JD', ...switched },
    ];
    const entries = drafts.map((d, i) =>
      toJournalEntryEvent(chain.append({ ...d, actor: OFFICER, requestId: `r-${i}` })),
    );
    // The newest change of J1 published first: replay goes by journal sequence, not arrival.
    await bus.publishMany('journal', [entries[1]!, entries[2]!]);
    await bus.publish('journal', entries[0]!);

    risk.kill('SIGTERM');
    assert.equal((await risk.exited).code, 0);
    await startRisk();
    // Quotes are read from the restart on: the collar has a reference again with the next quote.
    await bus.publish('quotes', quote('AAPL.XNAS', '199.99', '200.01'));
    await rejectedWith(() => order('PROBE', '1', '250.00'), 'price_collar', { actual: '200.00' });

    const j1 = onlyRejection(await check(order('J1', '8', '200.00')), 'max_order_qty');
    assert.deepEqual([j1['limit'], j1['scope']], ['7', 'account:J1']);
    assert.equal(
      onlyRejection(await check(order('J2', '1', '200.00', { desk: 'JD' })), 'kill_switch')['scope'],
      'desk:JD',
    );
    const listed = await client.call<{
      limits: { target: string; control: string; value: string }[];
      engagedKillSwitches: string[];
    }>('listLimits', {});
    assert.ok(
      listed.limits.some((l) => l.target === 'J1' && l.control === 'max_order_qty' && l.value === '7'),
    );
    assert.ok(listed.engagedKillSwitches.includes('desk:JD'));
    // Not journaled (no oms in this test): SetLimit changes made over gRPC alone are gone.
    assert.ok(!listed.limits.some((l) => l.target === 'C1'));
    // Executions were replayed: P1 still holds 1000 AAPL (its working order died with the old process).
    assert.equal((await check(order('P1', '200', '200.00'))).accepted, true);
    assert.equal(onlyRejection(await check(order('P1', '1', '200.00')), 'max_position')['actual'], '1000');
  });
});

test('refuses bad configuration at boot, naming every problem in one message', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'risk-config-'));
  const file = path.join(dir, 'limits.yaml');
  writeFileSync(
    file,
    `global:\n  max_order_qty: 0.5\n  price_collar: wide\ndesks:\n  EQ: { credit_limit: '1', nope: '2' }\n`,
  );
  try {
    const proc = startService('risk', {
      GRPC_PORT: 'abc',
      RISK_LIMITS_FILE: file,
      RISK_VAR_CONFIDENCE_PERCENT: '100',
      KAFKA_BROKERS: 'nohost',
    });
    const { code } = await proc.exited;
    assert.equal(code, 1);
    const out = proc.output;
    assert.match(out, /invalid configuration for risk: 4 problem\(s\)/);
    assert.match(out, /GRPC_PORT: must be a TCP port/);
    assert.match(out, /RISK_VAR_CONFIDENCE_PERCENT: must be a percentage above 50 and below 100, got "100"/);
    assert.match(out, /KAFKA_BROKERS: entry "nohost" is not host:port/);
    assert.match(out, /RISK_LIMITS_FILE: limits file .* has 3 problem\(s\)/);
    assert.match(out, /global\.max_order_qty: write the value as a string/);
    assert.match(out, /global\.price_collar: value: must be a non-negative integer/);
    assert.match(out, /desks\.EQ\.nope: control: unknown control "nope"/);
    assert.doesNotMatch(out, /\n\s+at /, 'a config error is a message, not a stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
