// npm run bench:risk (node libs/risk-checks/dist/bench/risk.bench.js [--orders N]) — pre-trade
// throughput: N orders through PreTradeRiskEngine.evaluate with every control configured
// (kill switch, restricted list, throttle, duplicates, quantity, collar, value, position, credit,
// open orders), 200 accounts on 5 desks, 20 instruments of mixed scales. Accepted orders stay open
// and are filled or cancelled in FIFO order so the state stays realistic (each account keeps
// ~30 working orders); that order-flow bookkeeping is inside the timed loop. One in 64
// evaluations is timed alone for the latency percentiles.
import { parseFixed } from '@tapeline/fixed-point';
import { PreTradeRiskEngine, type RiskActor, type RiskOrder } from '../src';

const args = process.argv.slice(2);
const ordersArg = args.indexOf('--orders');
const ORDERS = ordersArg >= 0 ? Number(args[ordersArg + 1]) : 1_000_000;
const WARMUP = 100_000;
const ACCOUNTS = 200;
const DESKS = ['EQ', 'FUT', 'FX', 'CRYPTO', 'MACRO'];
const ADMIN: RiskActor = { userId: 'bench', clientId: 'bench', desk: '', role: 'admin' };

// Deterministic inputs (mulberry32), so runs compare.
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const engine = new PreTradeRiskEngine();
const instruments = Array.from({ length: 20 }, (_, i) => {
  const crypto = i % 4 === 3;
  const future = i % 4 === 2;
  const instrument = {
    instrumentId: `INS${i}.XBEN`,
    assetClass: crypto ? 'CRYPTO_SPOT' : future ? 'FUTURE' : 'EQUITY',
    priceScale: 2,
    sizeScale: crypto ? 5 : 0,
    multiplier: parseFixed(future ? '50' : '1'),
  } as const;
  engine.addInstrument(instrument);
  const reference = BigInt(10_000 + i * 1_000); // 100.00 .. 290.00
  engine.setReferencePrice(instrument.instrumentId, reference);
  return { ...instrument, reference, unit: crypto ? 1_000n : 1n };
});
engine.limits.set(
  { level: 'global' },
  {
    maxOrderQuantity: parseFixed('5000'),
    maxOrderValue: parseFixed('2000000'),
    priceCollarBps: 500,
    maxPosition: parseFixed('1000000'),
    duplicateWindowMicros: 1_000,
    creditLimit: parseFixed('500000000'),
    maxOpenOrders: 40,
    throttle: { maxMessages: 5_000, windowMicros: 1_000_000 },
  },
  ADMIN,
  0,
);
engine.limits.set({ level: 'desk', desk: 'FUT' }, { maxOrderQuantity: parseFixed('200') }, ADMIN, 0);
engine.limits.set(
  { level: 'account-instrument', accountId: 'ACC7', instrumentId: 'INS3.XBEN' },
  { maxPosition: parseFixed('50') },
  ADMIN,
  0,
);
engine.limits.restrict({ level: 'global' }, 'INS19.XBEN', true, ADMIN, 0);
engine.setKillSwitch({ level: 'account', accountId: 'ACC199' }, true, ADMIN, 0, 'bench');

const open: string[] = [];
let openHead = 0;
let now = 1_000_000;
let accepted = 0;
let nextOrder = 0;
const samples: number[] = [];
const rejections = new Map<string, number>();

function nextRiskOrder(): RiskOrder {
  const account = Math.floor(random() * ACCOUNTS);
  const instrument = instruments[Math.floor(random() * instruments.length)]!;
  // ±6% around the reference: some orders fall outside the 5% collar.
  const price = (instrument.reference * BigInt(9_400 + Math.floor(random() * 1_200))) / 10_000n;
  const market = random() < 0.05;
  return {
    orderId: `O${nextOrder++}`,
    accountId: `ACC${account}`,
    desk: DESKS[account % DESKS.length]!,
    instrumentId: instrument.instrumentId,
    side: random() < 0.5 ? 'BUY' : 'SELL',
    ordType: market ? 'MARKET' : 'LIMIT',
    quantity: BigInt(1 + Math.floor(random() * 300)) * instrument.unit,
    price: market ? undefined : price,
  };
}

function step(timed: boolean): void {
  const order = nextRiskOrder();
  now += 2;
  let rejected;
  if (timed) {
    const t0 = process.hrtime.bigint();
    rejected = engine.evaluate(order, now);
    samples.push(Number(process.hrtime.bigint() - t0));
  } else rejected = engine.evaluate(order, now);
  if (rejected) {
    rejections.set(rejected.control, (rejections.get(rejected.control) ?? 0) + 1);
    return;
  }
  accepted++;
  open.push(order.orderId);
  // Keep ~6000 working orders: retire the oldest, alternately by a full fill and by a cancel.
  if (open.length - openHead > 6_000) {
    const oldest = open[openHead++]!;
    const working = engine.openOrders.get(oldest);
    if (working && openHead % 2 === 0) engine.onExecution(oldest, working.leavesQuantity);
    else engine.onOrderClosed(oldest);
    if (openHead > 100_000) {
      open.splice(0, openHead);
      openHead = 0;
    }
  }
}

for (let i = 0; i < WARMUP; i++) step(false);
accepted = 0;
rejections.clear();
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
for (let i = 0; i < ORDERS; i++) step((i & 63) === 0);
const elapsedNs = Number(process.hrtime.bigint() - start);
const cpu = process.cpuUsage(cpuStart);
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]! / 1e6;

const summary = {
  risk_checks_per_s: Math.round(ORDERS / (elapsedNs / 1e9)),
  orders: ORDERS,
  accepted_ratio: Number((accepted / ORDERS).toFixed(3)),
  p50_latency_ms: Number(pct(0.5).toFixed(5)),
  p99_latency_ms: Number(pct(0.99).toFixed(5)),
  elapsed_ms: Math.round(elapsedNs / 1e6),
  // CPU time of this process: the machine may be shared, wall-clock figures then understate.
  cpu_ms: Math.round((cpu.user + cpu.system) / 1e3),
  heap_used_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
};
console.log(`rejections by control: ${JSON.stringify(Object.fromEntries(rejections))}`);
console.log(`BENCH ${JSON.stringify(summary)}`);
