// Matching throughput of our OrderBook against the npm package nodejs-order-book, on the same
// pre-generated order stream in the same run:
//   ~60% GTC limit orders near the mid (some crossing), 10% market, 10% IOC limit, 20% cancels of
//   resting orders; limit prices over ~30 ticks, quantities 1..100 (aggressors 1..150/300).
// Both books must end with the same total filled quantity and the same resting depth, or the
// bench fails: it compares like with like.
//
//   node libs/order-book/dist/bench/matching.bench.js [--orders N] [--rounds R] [--seed S] [--resting M]
import { commonV1, tradingV1 } from '@tapeline/contracts';
import { OrderBook as BaselineBook } from 'nodejs-order-book';
import { type ExecutionSink, type Fill, OrderBook } from '../src';
import { seededRandom } from '@tapeline/test-kit';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const ORDERS = arg('orders', 1_000_000);
const ROUNDS = arg('rounds', 1);
const SEED = arg('seed', 7);

const LIMIT = 0;
const MARKET = 1;
const IOC_LIMIT = 2;
const CANCEL = 3;
const MID = 1_000_000;
const BUY = commonV1.Side.SIDE_BUY;
const SELL = commonV1.Side.SIDE_SELL;
const { TIME_IN_FORCE_GTC: GTC, TIME_IN_FORCE_IOC: IOC } = tradingV1.TimeInForce;

interface Stream {
  op: Uint8Array;
  buy: Uint8Array;
  price: Float64Array;
  qty: Float64Array;
  /** Order id, or for a cancel the id to cancel. */
  id: Float64Array;
  /** What the baseline takes: an options object per order (built before timing). */
  baseline: unknown[];
}

/**
 * The stream is generated against a scratch book of ours so that cancels hit orders that are
 * actually resting (as real cancels mostly do) and aggressor sizes steer the book towards about
 * RESTING_TARGET orders: without that feedback a random stream either drains the book or lets it
 * grow without bound. The stream itself is then fixed data, replayed identically by both engines.
 */
const RESTING_TARGET = arg('resting', 1_000);

function generate(n: number, seed: number): Stream {
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const s: Stream = {
    op: new Uint8Array(n),
    buy: new Uint8Array(n),
    price: new Float64Array(n),
    qty: new Float64Array(n),
    id: new Float64Array(n),
    baseline: new Array<unknown>(n),
  };
  const scratch = new OrderBook();
  const live: number[] = []; // ids that may still rest (lazily pruned)
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const r = rand();
    const buy = rand() < 0.5;
    const side = buy ? 'buy' : 'sell';
    s.buy[i] = buy ? 1 : 0;
    if (r < 0.2) {
      let target = 0;
      while (live.length > 0 && target === 0) {
        const k = int(0, live.length - 1);
        const candidate = live[k]!;
        live[k] = live[live.length - 1]!;
        live.pop();
        if (scratch.has(candidate)) target = candidate;
      }
      if (target !== 0) {
        s.op[i] = CANCEL;
        s.id[i] = target;
        s.baseline[i] = String(target);
        scratch.cancel(target);
        continue;
      }
    }
    s.id[i] = id;
    const aggressorMax = scratch.orderCount > RESTING_TARGET ? 300 : 150;
    const bookSide = buy ? BUY : SELL;
    if (r < 0.3) {
      s.op[i] = MARKET;
      s.qty[i] = int(1, aggressorMax);
      s.baseline[i] = { side, size: s.qty[i] };
      scratch.market(id, bookSide, s.qty[i]!);
    } else if (r < 0.4) {
      s.op[i] = IOC_LIMIT;
      s.qty[i] = int(1, aggressorMax);
      s.price[i] = MID + (buy ? 1 : -1) * int(0, 6);
      s.baseline[i] = { id: String(id), side, size: s.qty[i], price: s.price[i], timeInForce: 'IOC' };
      scratch.limit(id, bookSide, s.price[i]!, s.qty[i]!, IOC);
    } else {
      s.op[i] = LIMIT;
      s.qty[i] = int(1, 100);
      // Mostly passive, a few ticks through the mid now and then.
      s.price[i] = MID + (buy ? -1 : 1) * int(-3, 12);
      s.baseline[i] = { id: String(id), side, size: s.qty[i], price: s.price[i], timeInForce: 'GTC' };
      scratch.limit(id, bookSide, s.price[i]!, s.qty[i]!, GTC);
      live.push(id);
    }
  }
  return s;
}

class CountingSink implements ExecutionSink {
  filled = 0;
  fills = 0;
  onFill(fill: Readonly<Fill>): void {
    this.filled += fill.qty;
    this.fills++;
  }
  onCancel(): void {}
}

interface RunResult {
  ms: number;
  filledQty: number;
  restingQty: number;
  restingLevels: number;
  restingOrders: number;
}

function runOurs(s: Stream, n: number): RunResult {
  const sink = new CountingSink();
  const book = new OrderBook({ sink });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const side = s.buy[i] === 1 ? BUY : SELL;
    switch (s.op[i]) {
      case LIMIT:
        book.limit(s.id[i]!, side, s.price[i]!, s.qty[i]!, GTC);
        break;
      case IOC_LIMIT:
        book.limit(s.id[i]!, side, s.price[i]!, s.qty[i]!, IOC);
        break;
      case MARKET:
        book.market(s.id[i]!, side, s.qty[i]!);
        break;
      default:
        book.cancel(s.id[i]!);
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    ms,
    filledQty: sink.filled,
    restingQty: book.bids.volume() + book.asks.volume(),
    restingLevels: book.bids.levels.length + book.asks.levels.length,
    restingOrders: book.orderCount,
  };
}

type BaselineArg = Parameters<BaselineBook['limit']>[0];

function runBaseline(s: Stream, n: number): RunResult {
  const book = new BaselineBook();
  let filled = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const o = s.baseline[i];
    switch (s.op[i]) {
      case LIMIT:
      case IOC_LIMIT: {
        const r = book.limit(o as BaselineArg);
        filled += s.qty[i]! - r.quantityLeft;
        break;
      }
      case MARKET: {
        const r = book.market(o as Parameters<BaselineBook['market']>[0]);
        filled += s.qty[i]! - r.quantityLeft;
        break;
      }
      default:
        book.cancel(o as string);
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const [asks, bids] = book.depth();
  const levels = [...asks, ...bids];
  return {
    ms,
    filledQty: filled,
    restingQty: levels.reduce((sum, [, v]) => sum + v, 0),
    restingLevels: levels.length,
    restingOrders: NaN,
  };
}

function main(): void {
  const stream = generate(ORDERS, SEED);
  // Untimed warm-up of both paths on a prefix of the stream, so neither pays for JIT compilation.
  const warm = Math.min(ORDERS, 100_000);
  runOurs(stream, warm);
  runBaseline(stream, warm);
  let ours: RunResult | undefined;
  let base: RunResult | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const o = runOurs(stream, ORDERS);
    const b = runBaseline(stream, ORDERS);
    if (ours === undefined || o.ms < ours.ms) ours = o;
    if (base === undefined || b.ms < base.ms) base = b;
  }
  if (ours === undefined || base === undefined) throw new Error('--rounds must be at least 1');
  if (ours.filledQty !== base.filledQty || ours.restingQty !== base.restingQty) {
    throw new Error(
      `books disagree: filled ${ours.filledQty} vs ${base.filledQty}, resting ${ours.restingQty} vs ${base.restingQty}`,
    );
  }
  const round = (x: number) => Math.round(x);
  const oursRate = (ORDERS / ours.ms) * 1000;
  const baseRate = (ORDERS / base.ms) * 1000;
  process.stdout.write(
    `orders=${ORDERS} filled_qty=${ours.filledQty} (both) resting_qty=${ours.restingQty} levels=${ours.restingLevels} resting_orders=${ours.restingOrders}\n`,
  );
  process.stdout.write(
    'BENCH ' +
      JSON.stringify({
        matching_orders_per_s: round(oursRate),
        baseline_matching_orders_per_s: round(baseRate),
        matching_ratio: Math.round((oursRate / baseRate) * 100) / 100,
        matching_elapsed_ms: round(ours.ms),
        baseline_matching_elapsed_ms: round(base.ms),
        filled_qty_ratio: ours.filledQty / base.filledQty,
      }) +
      '\n',
  );
}

main();
