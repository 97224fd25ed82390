// Orders through the simulated matching venue's port (Order -> book -> lifecycle events), the path
// the oms takes for every order: a seeded book, limit orders around the mid, a quarter of them IOC,
// a tenth cancelled. Prints BENCH {json} last.
import { commonV1, tradingV1 } from '@tapeline/contracts';
import type { Order, OrderUpdateEvent } from '@tapeline/orders';
import { SimulatedMatchingVenue } from '../src/simulated/simulated-matching-venue';
import type { VenueOrder } from '../src/venue';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 300_000);

/** xorshift32: the same order stream on every run. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function order(i: number, random: () => number): Order {
  const side = random() < 0.5 ? commonV1.Side.SIDE_BUY : commonV1.Side.SIDE_SELL;
  const offset = Math.floor(random() * 20) - 10;
  return {
    orderId: `o${i}`,
    clOrdId: `c${i}`,
    origClOrdId: '',
    accountId: `acc-${i % 50}`,
    desk: 'bench',
    instrumentId: 'BENCH',
    side,
    ordType: tradingV1.OrdType.ORD_TYPE_LIMIT,
    timeInForce:
      random() < 0.25 ? tradingV1.TimeInForce.TIME_IN_FORCE_IOC : tradingV1.TimeInForce.TIME_IN_FORCE_GTC,
    priceScale: 2,
    sizeScale: 0,
    price: BigInt(10_000 + offset),
    stopPrice: 0n,
    orderQty: BigInt(1 + Math.floor(random() * 20)),
    cumQty: 0n,
    leavesQty: 0n,
    avgPx: 0n,
    filledNotional: 0n,
    status: tradingV1.OrdStatus.ORD_STATUS_PENDING_NEW,
    acknowledged: false,
    triggered: false,
    version: 1,
    expireTimeMicros: 0n,
    transactTimeMicros: 0n,
    text: '',
    pending: null,
  };
}

async function main(): Promise<void> {
  const random = prng(7);
  const orders: VenueOrder[] = [];
  for (let i = 0; i < ORDERS; i++) orders.push({ order: order(i, random), venueSymbol: 'BENCH' });
  let events = 0;
  let fills = 0;
  const venue = new SimulatedMatchingVenue({ clock: () => 1_700_000_000_000_000n });
  await venue.start({
    onEvent(e: OrderUpdateEvent) {
      events++;
      if (e.type === 'Fill') fills++;
    },
    onSessionState() {},
  });
  const levels = Array.from({ length: 10 }, (_, i) => i);
  await venue.seedBook('BENCH', {
    bids: levels.map((i) => ({ price: 9_989 - i, qty: 1_000 })),
    asks: levels.map((i) => ({ price: 10_011 + i, qty: 1_000 })),
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < ORDERS; i++) {
    await venue.submit(orders[i]!);
    if (i % 10 === 9) await venue.cancel(orders[i - 5]!, `x${i}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${ORDERS} orders (+${ORDERS / 10} cancels): ${events} events, ${fills} fills`);
  const summary = {
    venue_orders_per_s: Math.round(ORDERS / (ms / 1000)),
    elapsed_ms: Math.round(ms),
    heap_used_mb: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
  console.log(`BENCH ${JSON.stringify(summary)}`);
}

void main();
