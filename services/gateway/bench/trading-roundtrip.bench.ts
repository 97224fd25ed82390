// Round trip of an order through the local mesh (node services/gateway/dist/bench/trading-roundtrip.bench.js):
// a `submitOrder` mutation over HTTP -> gateway -> oms -> risk -> simulated venue -> the oms's
// update stream -> gateway -> the trader's graphql-ws `executions` subscription.
//
// The mesh: the Kafka-protocol broker, symbol, risk, oms and gateway, each its own process
// (services/gateway/src/testing/trading-mesh.ts). This process is the trader: it subscribes to its
// executions, then sends limit orders at BENCH_ORDERS_PER_S for BENCH_SECONDS (after a warm-up of
// BENCH_WARMUP_SECONDS, not measured), alternately SELL then BUY at one price on two accounts of
// its desk, so the sell rests (execution NEW) and the buy crosses it (execution TRADE). The three
// FX accounts take turns so that no account passes risk's default message throttle (200/1s), and
// quantities cycle so that no order looks like a duplicate of one a second before.
//
// Round trip = mutation sent -> first execution of that ClOrdID received (one clock: this process).
// Knobs: BENCH_ORDERS_PER_S (500), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (1).
// `cpu_us_per_order` is each process's CPU (user + system, /proc/<pid>/stat) from the first measured
// order to the last execution, per measured order: on a shared machine the steadier figure.
// Profile the services with TAPELINE_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" (libs/test-kit).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gatewayWsClient, simulatedQuote } from '@tapeline/gateway/dist/testing/live-mesh';
import { startTradingMesh } from '@tapeline/gateway/dist/testing/trading-mesh';
import { devClientToken } from '@tapeline/test-kit';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ORDERS_PER_S = num('BENCH_ORDERS_PER_S', 500);
const SECONDS = num('BENCH_SECONDS', 10);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 1);

const EURUSD = 'EURUSD.EBSM';
const BID = 108765; // 1.08765 / 1.08767 at price scale 5
const PRICE = '1.08766';
const PAIRS: readonly [string, string][] = [
  ['FX-ALPHA', 'FX-BETA'],
  ['FX-BETA', 'FX-PROP'],
  ['FX-PROP', 'FX-ALPHA'],
];
const SUBMIT = `mutation($input: SubmitOrderInput!) { submitOrder(input: $input) { order { status } } }`;

/** CPU microseconds (user + system) a process has used so far; NaN if it cannot be read. */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return u.user + u.system;
  }
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on Linux whatever the kernel's HZ. */
const CLOCK_TICKS = 100;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const mesh = await startTradingMesh({ quotes: [{ instrumentId: EURUSD, bid: BID }] });
  let quoteSequence = 1000;
  // Fresh reference prices for risk's collar while the bench runs.
  const quotes = setInterval(
    () =>
      void mesh.bus.publish('quotes', simulatedQuote(EURUSD, ++quoteSequence, BID)).catch(() => undefined),
    500,
  );
  const token = await devClientToken(mesh.base, 'trader');
  const client = gatewayWsClient(mesh.base, token);
  try {
    const url = `${mesh.base}/graphql`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

    /** Orders awaiting their executions, by ClOrdID: when sent, whether measured, first report seen. */
    const pending = new Map<string, { sentAt: number; measured: boolean; acknowledged: boolean }>();
    const roundTrips: number[] = [];
    const tradeRoundTrips: number[] = [];
    /** Mutation sent -> its HTTP answer (the oms has made the order durable and routed it). */
    const answered: number[] = [];
    let executed = 0;
    let failed = 0;
    let rejected = 0;
    let lastExecAt = 0;

    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ executions: { clOrdId: string; execType: string } }>(
        { query: 'subscription { executions { clOrdId execType } }' },
        {
          next: (v) => {
            const now = performance.now();
            const e = v.data?.executions;
            if (!e) return reject(new Error(JSON.stringify(v.errors)));
            const p = pending.get(e.clOrdId);
            if (!p) return;
            if (!p.acknowledged) {
              p.acknowledged = true;
              executed++;
              lastExecAt = now;
              if (p.measured) roundTrips.push(now - p.sentAt);
            }
            const buy = e.clOrdId.endsWith('B');
            if (e.execType === 'REJECTED') rejected++;
            if (buy && e.execType === 'TRADE' && p.measured) tradeRoundTrips.push(now - p.sentAt);
            // A sell is done with its first report; a buy once it traded (or was refused).
            if (!buy || e.execType === 'TRADE' || e.execType === 'REJECTED') pending.delete(e.clOrdId);
          },
          error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
          complete: () => undefined,
        },
      );
      // graphql-ws does not acknowledge a subscribe: give the gateway a moment to register it.
      setTimeout(resolve, 500);
    });

    const total = Math.round(ORDERS_PER_S * (WARMUP_SECONDS + SECONDS));
    const warmup = Math.round(ORDERS_PER_S * WARMUP_SECONDS);
    const intervalMs = 1000 / ORDERS_PER_S;
    const send = (i: number) => {
      const pair = Math.floor(i / 2);
      const [seller, buyer] = PAIRS[pair % PAIRS.length]!;
      const sell = i % 2 === 0;
      const clOrdId = `RT-${pair}-${sell ? 'S' : 'B'}`;
      const input = {
        accountId: sell ? seller : buyer,
        clOrdId,
        instrumentId: EURUSD,
        side: sell ? 'SELL' : 'BUY',
        ordType: 'LIMIT',
        timeInForce: 'DAY',
        orderQty: String(1000 * (1 + (pair % 500))),
        price: PRICE,
      };
      const sentAt = performance.now();
      pending.set(clOrdId, { sentAt, measured: i >= warmup, acknowledged: false });
      fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: SUBMIT, variables: { input } }) })
        .then(
          (r) =>
            r.json() as Promise<{
              errors?: unknown[];
              data?: { submitOrder: { order: { status: string } } };
            }>,
        )
        .then((body) => {
          if (i >= warmup) answered.push(performance.now() - sentAt);
          if (body.errors) {
            if (failed++ < 3) console.error(`submitOrder ${clOrdId}: ${JSON.stringify(body.errors)}`);
            pending.delete(clOrdId);
          }
        })
        .catch((err: unknown) => {
          if (failed++ < 3) console.error(`submitOrder ${clOrdId}: ${String(err)}`);
        });
    };

    const pids: Record<string, number | undefined> = {
      gateway: mesh.processes.gateway.pid,
      oms: mesh.processes.oms.pid,
      risk: mesh.processes.risk.pid,
      symbol: mesh.processes.symbol.pid,
      broker: mesh.brokerPid,
      bench: process.pid,
    };
    const cpuAll = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMicros(pid)]));
    let cpuAtMeasure: Record<string, number> | undefined;
    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
        while (sent < due) {
          if (sent === warmup) cpuAtMeasure = cpuAll();
          send(sent++);
        }
        if (sent >= total) return resolve();
        setTimeout(tick, 1);
      };
      tick();
    });
    const measuredStart = start + warmup * intervalMs;
    // Let the last executions arrive (at most 5 s).
    const drainUntil = performance.now() + 5000;
    while ([...pending.values()].some((p) => p.measured && !p.acknowledged) && performance.now() < drainUntil)
      await new Promise((r) => setTimeout(r, 20));
    const measuredOrders = total - warmup;
    const cpuAtEnd = cpuAll();
    const cpuPerOrder = Object.fromEntries(
      Object.keys(pids).map((k) => [
        k,
        Math.round((cpuAtEnd[k]! - (cpuAtMeasure?.[k] ?? NaN)) / Math.max(1, measuredOrders)),
      ]),
    );
    const lost = [...pending.values()].filter((p) => p.measured && !p.acknowledged).length;
    roundTrips.sort((a, b) => a - b);
    tradeRoundTrips.sort((a, b) => a - b);
    answered.sort((a, b) => a - b);
    const elapsedS = (Math.max(lastExecAt, measuredStart + 1) - measuredStart) / 1000;
    const summary = {
      roundtrip_p50_ms: +percentile(roundTrips, 50).toFixed(2),
      roundtrip_p99_ms: +percentile(roundTrips, 99).toFixed(2),
      roundtrip_max_ms: +percentile(roundTrips, 100).toFixed(2),
      trade_roundtrip_p50_ms: +percentile(tradeRoundTrips, 50).toFixed(2),
      trade_roundtrip_p99_ms: +percentile(tradeRoundTrips, 99).toFixed(2),
      mutation_p50_ms: +percentile(answered, 50).toFixed(2),
      mutation_p99_ms: +percentile(answered, 99).toFixed(2),
      orders_per_s: Math.round(roundTrips.length / elapsedS),
      target_orders_per_s: ORDERS_PER_S,
      lost_ratio: +(lost / measuredOrders).toFixed(4),
      rejected_ratio: +(rejected / Math.max(1, executed)).toFixed(4),
      failed_ratio: +(failed / total).toFixed(4),
      cpu_us_per_order: cpuPerOrder,
    };
    console.log(
      `${measuredOrders} orders measured at ${ORDERS_PER_S}/s over ${SECONDS} s; ${roundTrips.length} first executions, ` +
        `${tradeRoundTrips.length} crossing buys filled, ${rejected} rejected, ${failed} failed, ${lost} without execution`,
    );
    if (failed > 0) {
      const errors = mesh.processes.gateway.lines.filter((l) => /"level":"(warn|error)"/.test(l));
      console.error(`gateway warnings/errors (${errors.length}):\n${errors.slice(0, 3).join('\n')}`);
      console.error(`oms output (last 10 lines):\n${mesh.processes.oms.lines.slice(-10).join('\n')}`);
    }
    console.log(`BENCH ${JSON.stringify(summary)}`);
  } finally {
    clearInterval(quotes);
    await client.dispose();
    await mesh.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
