// Submit latency through gRPC against a real mesh (Kafka-protocol broker, symbol, risk, oms with
// its embedded chDB journal and write-ahead log), the leg of the round trip the oms owns:
// SubmitOrder -> risk check -> journal durable -> simulated venue -> answer with the venue's reports.
// Orders go out open loop at a fixed rate (default 500/s, the load) whatever the answers
// do, so a slow journal shows up as queueing in the tail instead of lowering the offered load.
//
//   npx tsc -b services/oms/bench/service && node services/oms/dist/bench-service/submit-latency.bench.js \
//     [--rate 500] [--seconds 10] [--warmup 500]
// The environment (e.g. OMS_JOURNAL_INSERT_LINGER_MS) reaches the oms: every process started inherits it.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMesh, startOms } from '@tapeline/oms/dist/testing/mesh';
import { BUY, SELL, submitRequest } from '@tapeline/oms/dist/testing/wire';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const RATE = arg('rate', 500);
const SECONDS = arg('seconds', 10);
const WARMUP = arg('warmup', 500);
// Risk throttles each account to 200 messages/s: the load is spread over enough accounts.
const ACCOUNTS = [
  'EQ-CASH-1',
  'EQ-CASH-2',
  'EQ-DERIV-1',
  'OPS-TEST',
  'OPS-ERROR',
  'RISK-HEDGE',
  'FX-ALPHA',
  'FX-BETA',
];
const QUOTES = [{ instrumentId: 'AAPL.XNAS', priceScale: 2, bid: 9990n, ask: 10010n }];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function main(): Promise<void> {
  const mesh = await startMesh();
  try {
    const stack = await mesh.stack('bench.', QUOTES);
    const oms = await startOms(stack, path.join(mesh.root, 'oms-bench'), {
      LOG_LEVEL: 'warn',
      // e.g. --cpu-prof --cpu-prof-dir=/tmp/oms-prof, for the oms alone
      ...(process.env.BENCH_OMS_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_OMS_NODE_OPTIONS } : {}),
    });
    let n = 0;
    /**
     * Pairs that cross each other (a buy above the mid, then a sell below it), so most orders fill
     * and the books stay shallow; quantities differ within the duplicate-order window.
     */
    const next = () => {
      const i = n++;
      const buy = i % 2 === 0;
      return submitRequest({
        accountId: ACCOUNTS[i % ACCOUNTS.length]!,
        clOrdId: `B${i}`,
        side: buy ? BUY : SELL,
        qty: BigInt(1 + (Math.floor(i / 2) % 997)),
        price: buy ? 10005n : 9995n,
      });
    };
    const send = async (): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await oms.client.call('submitOrder', next(), 10_000);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    for (let i = 0; i < WARMUP; i++) await send();

    const total = Math.round(RATE * SECONDS);
    const intervalNs = BigInt(Math.round(1e9 / RATE));
    const latencies: number[] = [];
    const inFlight: Promise<void>[] = [];
    let failed = 0;
    const failures = new Map<string, number>();
    const start = process.hrtime.bigint();
    for (let i = 0; i < total; i++) {
      const due = start + BigInt(i) * intervalNs;
      const wait = Number(due - process.hrtime.bigint()) / 1e6;
      if (wait > 1) await sleep(Math.floor(wait));
      inFlight.push(
        send().then(
          (ms) => void latencies.push(ms),
          (err: { code?: number; details?: string }) => {
            failed++;
            const why = `${err.code} ${err.details ?? String(err)}`.slice(0, 120);
            failures.set(why, (failures.get(why) ?? 0) + 1);
          },
        ),
      );
    }
    await Promise.all(inFlight);
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    await oms.stop('SIGTERM');
    latencies.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 100) / 100;
    const summary = {
      offered_per_s: RATE,
      answered_per_s: Math.round((latencies.length / elapsedMs) * 1000),
      failed_ratio: failed / total,
      submit_p50_ms: round(percentile(latencies, 50)),
      submit_p90_ms: round(percentile(latencies, 90)),
      submit_p99_ms: round(percentile(latencies, 99)),
      submit_max_ms: round(latencies[latencies.length - 1] ?? 0),
    };
    process.stdout.write(
      `${latencies.length} submits answered at ${RATE}/s offered over ${Math.round(elapsedMs)} ms, ${failed} failed\n`,
    );
    for (const [why, count] of failures) process.stdout.write(`failed x${count}: ${why}\n`);
    process.stdout.write(`BENCH ${JSON.stringify(summary)}\n`);
  } finally {
    await mesh.close();
  }
}

void main();
