// npm run bench:trading (tsc -b services/oms && node services/oms/dist/bench/trading.bench.js
// [--orders N]) — the trading path of the oms in ONE process, without I/O:
//   1. orders through pre-trade risk (libs/risk-checks PreTradeRiskEngine, every control
//      configured) + the simulated matching venue (libs/venues SimulatedMatchingVenue on
//      libs/order-book) + the FIX order state machine (libs/orders OrderStore, PositionBook):
//      `orders_per_s`. Every venue report is applied to the order store, fills reach positions
//      and risk (onExecution), closes release what risk reserved (onOrderClosed).
//   2. the matching engine alone, side by side with nodejs-order-book on one order stream
//      (libs/order-book's bench, run as it is): `matching_orders_per_s`, `matching_ratio`.
//   3. the mesh round trip (GraphQL mutation -> gateway -> oms -> risk -> venue -> execution update
//      on a subscription) at 500 orders/s, by services/gateway's round-trip bench in its own
//      process (measureMeshRoundTrip below): `roundtrip_p50_ms`, `roundtrip_p99_ms`.
// The journal (ClickHouse) is not in (1): its cost is per insert, shared by a batch (see report).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { commonV1, tradingV1 } from '@tapeline/contracts';
import { parseFixed } from '@tapeline/fixed-point';
import {
  isTerminal,
  OrderStore,
  PositionBook,
  type NewOrderRequest,
  type Order,
  type OrderUpdateEvent,
} from '@tapeline/orders';
import { PreTradeRiskEngine, type RiskActor, type RiskOrder } from '@tapeline/risk-checks';
import { SimulatedMatchingVenue, type VenueSink } from '@tapeline/venues';
import { seededRandom } from '@tapeline/test-kit';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const ORDERS = arg('orders', 300_000);
const WARMUP = Math.min(50_000, ORDERS);
const ACCOUNTS = 40;
const DESKS = ['EQ', 'FX', 'FUT', 'CRYPTO'];
const ADMIN: RiskActor = { userId: 'bench', clientId: 'bench', desk: '', role: 'admin' };
const { SIDE_BUY: BUY, SIDE_SELL: SELL } = commonV1.Side;
const { TIME_IN_FORCE_GTC: GTC, TIME_IN_FORCE_IOC: IOC } = tradingV1.TimeInForce;

const INSTRUMENTS = Array.from({ length: 8 }, (_, i) => ({
  instrumentId: `INS${i}.SIM`,
  reference: BigInt(10_000 + i * 2_500), // 100.00 .. 275.00 at price scale 2
}));

/** Risk knows an order by its original ClOrdID (C<n>); the order id is O<n>. */
const riskId = (orderId: string): string => `C${orderId.slice(1)}`;

/** One trading stack: what the oms holds in memory for the trading path, wired as the oms wires it. */
class TradingPath implements VenueSink {
  readonly risk = new PreTradeRiskEngine();
  readonly orders = new OrderStore();
  readonly positions = new PositionBook();
  readonly venue: SimulatedMatchingVenue;
  now = 1_000_000;
  fills = 0;
  rejected = 0;
  submitted = 0;
  private seq = 0;
  private readonly resting: Order[] = [];

  constructor() {
    this.venue = new SimulatedMatchingVenue({ clock: () => BigInt(this.now) });
    for (const i of INSTRUMENTS) {
      this.risk.addInstrument({
        instrumentId: i.instrumentId,
        assetClass: 'EQUITY',
        priceScale: 2,
        sizeScale: 0,
        multiplier: parseFixed('1'),
      });
      this.risk.setReferencePrice(i.instrumentId, i.reference);
    }
    this.risk.limits.set(
      { level: 'global' },
      {
        maxOrderQuantity: parseFixed('5000'),
        maxOrderValue: parseFixed('2000000'),
        priceCollarBps: 500,
        maxPosition: parseFixed('100000000'),
        creditLimit: parseFixed('100000000000'),
        maxOpenOrders: 100_000,
        throttle: { maxMessages: 1_000_000_000, windowMicros: 1_000_000 },
      },
      ADMIN,
      0,
    );
  }

  start(): Promise<void> {
    return this.venue.start(this);
  }

  onEvent(event: OrderUpdateEvent): void {
    const result = this.orders.apply(event);
    if (result.kind !== 'applied') return;
    const t = result.transition;
    if (event.type === 'Fill') {
      this.fills++;
      this.positions.applyTransition(t);
      this.risk.onExecution(riskId(event.orderId), event.lastQty);
    } else if (isTerminal(t.after.status) && t.after.cumQty < t.after.orderQty) {
      this.risk.onOrderClosed(riskId(event.orderId));
    }
  }

  onSessionState(): void {}

  /** One order of the stream: risk, the state machine, the venue, the venue's reports. */
  submit(
    accountId: number,
    instrument: number,
    buy: boolean,
    qty: bigint,
    price: bigint,
    ioc: boolean,
  ): void {
    this.now += 2;
    this.submitted++;
    const id = ++this.seq;
    const clOrdId = `C${id}`;
    const ins = INSTRUMENTS[instrument]!;
    const account = `ACC${accountId}`;
    const desk = DESKS[accountId % DESKS.length]!;
    const risked: RiskOrder = {
      orderId: clOrdId,
      accountId: account,
      desk,
      instrumentId: ins.instrumentId,
      side: buy ? 'BUY' : 'SELL',
      ordType: 'LIMIT',
      quantity: qty,
      price,
    };
    const request: NewOrderRequest = {
      clOrdId,
      accountId: account,
      desk,
      instrumentId: ins.instrumentId,
      side: buy ? BUY : SELL,
      ordType: tradingV1.OrdType.ORD_TYPE_LIMIT,
      timeInForce: ioc ? IOC : GTC,
      priceScale: 2,
      sizeScale: 0,
      orderQty: qty,
      price,
    };
    const orderId = `O${id}`;
    const at = BigInt(this.now);
    const submitted = this.orders.apply({ type: 'Submit', orderId, atMicros: at, request });
    if (submitted.kind !== 'applied') throw new Error('a new ClOrdID was taken for a repeat');
    if (this.risk.evaluate(risked, this.now) !== undefined) {
      this.rejected++;
      this.orders.apply({ type: 'Reject', orderId, atMicros: at, text: 'risk' });
      return;
    }
    void this.venue.submit({ order: submitted.transition.after, venueSymbol: ins.instrumentId });
    const now = this.orders.require(orderId);
    if (!isTerminal(now.status)) this.resting.push(now);
  }

  /** Cancels the oldest resting order still working (keeps the books at a steady depth). */
  cancelOldest(): void {
    while (this.resting.length > 0) {
      const order = this.orders.require(this.resting.shift()!.orderId);
      if (isTerminal(order.status)) continue;
      this.now += 2;
      const clOrdId = `X${order.orderId}`;
      const r = this.orders.apply({
        type: 'CancelRequest',
        orderId: order.orderId,
        atMicros: BigInt(this.now),
        clOrdId,
      });
      if (r.kind === 'applied')
        void this.venue.cancel({ order: r.transition.after, venueSymbol: order.instrumentId }, clOrdId);
      return;
    }
  }

  get restingCount(): number {
    return this.resting.length;
  }
}

interface Flow {
  account: Uint8Array;
  instrument: Uint8Array;
  buy: Uint8Array;
  ioc: Uint8Array;
  cancel: Uint8Array;
  qty: BigInt64Array;
  price: BigInt64Array;
}

/** The stream, generated before timing: limit orders within the collar (some crossing), IOCs, cancels. */
function generate(n: number, seed: number): Flow {
  const rand = seededRandom(seed);
  const f: Flow = {
    account: new Uint8Array(n),
    instrument: new Uint8Array(n),
    buy: new Uint8Array(n),
    ioc: new Uint8Array(n),
    cancel: new Uint8Array(n),
    qty: new BigInt64Array(n),
    price: new BigInt64Array(n),
  };
  for (let i = 0; i < n; i++) {
    f.cancel[i] = rand() < 0.2 ? 1 : 0;
    f.account[i] = Math.floor(rand() * ACCOUNTS);
    f.instrument[i] = Math.floor(rand() * INSTRUMENTS.length);
    const buy = rand() < 0.5;
    f.buy[i] = buy ? 1 : 0;
    f.ioc[i] = rand() < 0.1 ? 1 : 0;
    f.qty[i] = BigInt(1 + Math.floor(rand() * 200));
    // Ticks from the reference: mostly passive, about a quarter crossing.
    const ticks = BigInt(Math.floor(rand() * 40) - 10);
    const ref = INSTRUMENTS[f.instrument[i]!]!.reference;
    f.price[i] = buy ? ref - ticks : ref + ticks;
  }
  return f;
}

function run(trading: TradingPath, flow: Flow, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (flow.cancel[i] === 1 || trading.restingCount > 4_000) trading.cancelOldest();
    else
      trading.submit(
        flow.account[i]!,
        flow.instrument[i]!,
        flow.buy[i] === 1,
        flow.qty[i]!,
        flow.price[i]!,
        flow.ioc[i] === 1,
      );
  }
}

/** libs/order-book's matching bench, run as it is: ours against nodejs-order-book, one stream. */
function matchingSideBySide(): Record<string, number> {
  const script = path.resolve(__dirname, '../../../../libs/order-book/dist/bench/matching.bench.js');
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`no BENCH line from ${script}:\n${out}`);
  return JSON.parse(line.slice('BENCH '.length)) as Record<string, number>;
}

/** Orders per second of the mesh round trip (BENCH_ORDERS_PER_S of the round-trip bench). */
const ROUNDTRIP_ORDERS_PER_S = Number(process.env.BENCH_ROUNDTRIP_ORDERS_PER_S ?? 500);

/**
 * The mesh round trip of the issue: services/gateway's trading-roundtrip bench, run as it is in
 * its own process (it starts the broker, symbol, risk, oms and gateway), at
 * ROUNDTRIP_ORDERS_PER_S: a GraphQL submitOrder mutation -> gateway -> oms -> risk -> simulated
 * venue -> the oms's update stream -> gateway -> the trader's `executions` subscription, timed to
 * the first execution of the order. Its other figures (CPU per order of each process, mutation
 * latency) are in its own output, echoed here.
 */
function measureMeshRoundTrip(): Record<string, number | null> {
  const script = path.resolve(__dirname, '../../../gateway/dist/bench/trading-roundtrip.bench.js');
  const out = execFileSync(process.execPath, [script], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, BENCH_ORDERS_PER_S: String(ROUNDTRIP_ORDERS_PER_S) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = out.trim().split('\n');
  const line = [...lines].reverse().find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`no BENCH line from ${script}:\n${out}`);
  for (const l of lines) if (l !== line) process.stdout.write(`round trip: ${l}\n`);
  process.stdout.write(`round trip: ${line.slice('BENCH '.length)}\n`);
  const r = JSON.parse(line.slice('BENCH '.length)) as Record<string, number | null>;
  return {
    roundtrip_p50_ms: r.roundtrip_p50_ms ?? null,
    roundtrip_p99_ms: r.roundtrip_p99_ms ?? null,
    roundtrip_orders_per_s: r.orders_per_s ?? null,
    roundtrip_target_orders_per_s: ROUNDTRIP_ORDERS_PER_S,
    roundtrip_lost_ratio: r.lost_ratio ?? null,
    roundtrip_failed_ratio: r.failed_ratio ?? null,
  };
}

async function main(): Promise<void> {
  // The matching bench runs first, in its own process, before this one holds the trading state.
  const matching = matchingSideBySide();
  const flow = generate(WARMUP + ORDERS, 11);
  const trading = new TradingPath();
  await trading.start();
  run(trading, flow, 0, WARMUP);
  const fillsBefore = trading.fills;
  const submittedBefore = trading.submitted;
  const rejectedBefore = trading.rejected;
  const cpuStart = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  run(trading, flow, WARMUP, WARMUP + ORDERS);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  const fills = trading.fills - fillsBefore;
  const rejected = trading.rejected - rejectedBefore;
  const submitted = trading.submitted - submittedBefore;
  process.stdout.write(
    `trading path: ${submitted} new orders and ${ORDERS - submitted} cancels in ${Math.round(ms)} ms; ${fills} fills, ${rejected} risk rejections, ` +
      `${trading.orders.size} orders in the store, ${trading.restingCount} resting\n`,
  );
  const roundTrip = measureMeshRoundTrip();
  const summary = {
    // New orders (each through risk, the state machine and matching, with its reports applied).
    orders_per_s: Math.round((submitted / ms) * 1000),
    // Orders and cancels together.
    messages_per_s: Math.round((ORDERS / ms) * 1000),
    orders_elapsed_ms: Math.round(ms),
    // CPU of this process: on a shared machine wall-clock figures understate.
    orders_cpu_ms: Math.round((cpu.user + cpu.system) / 1e3),
    fills_per_s: Math.round((fills / ms) * 1000),
    matching_orders_per_s: matching.matching_orders_per_s,
    baseline_matching_orders_per_s: matching.baseline_matching_orders_per_s,
    matching_ratio: matching.matching_ratio,
    ...roundTrip,
  };
  process.stdout.write(`BENCH ${JSON.stringify(summary)}\n`);
}

void main();
