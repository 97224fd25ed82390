// History write throughput: 1,000,000 trades appended to the BatchedInserter (the way a service's
// live feed does it, in bursts with the event loop free in between) into embedded chDB, timed from
// the first append until `SELECT count()` sees every row. Also reports how long the event loop
// was ever held while that ran, and how long handing one 1,000,000-row batch to the engine's
// worker holds it.
//
//   node libs/history/dist/bench/history.bench.js [--rows N] [--batch N]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { createLogger } from '@tapeline/telemetry';
import { BatchedInserter, batchOf, createTableSql, EmbeddedClickHouseStore, type HistoryRow } from '../src';
import { exampleTrades, tempDataDir } from '../src/testing/example-tables';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROWS = arg('rows', 1_000_000);
const BATCH = arg('batch', 100_000);
const BURST = 5_000; // rows appended per turn of the event loop, like a burst of feed messages
const T0 = 1_763_800_000_000_000; // 2025-11-22T08:26:40Z in micros
const VENUES = ['XNAS', 'XNYS', 'BATS', 'IEXG'];

const log = (msg: string): void => void process.stderr.write(`[bench:history] ${msg}\n`);

function trade(i: number): HistoryRow {
  return {
    instrument_id: i % 50,
    time: T0 + i * 37,
    price: 18_923_000_000 + (i % 500) * 1_000_000,
    size: 100 + (i % 900),
    side: (i & 1) === 0 ? 'buy' : 'sell',
    trade_id: `T${4_000_000_000 + i}`,
    venue: VENUES[i & 3]!,
  };
}

async function count(store: EmbeddedClickHouseStore): Promise<number> {
  const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM trades');
  return Number(row!.n);
}

async function run(
  store: EmbeddedClickHouseStore,
  rows: number,
): Promise<{ ms: number; appendMs: number; maxLagMs: number }> {
  await store.command('TRUNCATE TABLE trades');
  const inserter = new BatchedInserter({
    store,
    logger: createLogger('bench-history', 'warn'),
    batchRows: BATCH,
    lingerMs: 250,
    maxBufferedRows: Math.max(2 * BATCH, rows),
  });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const start = performance.now();
  let appendMs = 0;
  for (let i = 0; i < rows;) {
    const t = performance.now();
    const end = Math.min(rows, i + BURST);
    for (; i < end; i++) inserter.append(exampleTrades, trade(i));
    appendMs += performance.now() - t;
    await yieldLoop();
  }
  await inserter.close(60_000);
  const n = await count(store);
  const ms = performance.now() - start;
  lag.disable();
  if (n !== rows || inserter.stats().rowsDropped !== 0) throw new Error(`expected ${rows} rows, found ${n}`);
  return { ms, appendMs, maxLagMs: lag.max / 1e6 };
}

async function main(): Promise<void> {
  const dir = tempDataDir('history-bench');
  const store = await EmbeddedClickHouseStore.open({ dataPath: dir.path, database: 'market_data' });
  try {
    await store.command(createTableSql(exampleTrades));
    log(`chDB ${store.engineVersion}; ${ROWS} rows in batches of ${BATCH}`);
    await run(store, 200_000); // warm-up: JIT of the append and copy paths
    const r = await run(store, ROWS);
    log(
      `durable after ${r.ms.toFixed(0)} ms (append ${r.appendMs.toFixed(0)} ms, max event-loop delay ${r.maxLagMs.toFixed(1)} ms)`,
    );

    // One big batch handed over at once: the main thread only copies the columns and posts them.
    await store.command('TRUNCATE TABLE trades');
    const big = batchOf(
      exampleTrades,
      Array.from({ length: ROWS }, (_, i) => trade(i)),
    );
    const t = performance.now();
    const inserted = store.insert(exampleTrades, big);
    const blockMs = performance.now() - t;
    await inserted;
    const insertMs = performance.now() - t;
    log(`one ${ROWS}-row insert: event loop held ${blockMs.toFixed(1)} ms of ${insertMs.toFixed(0)} ms`);

    console.log(
      `BENCH ${JSON.stringify({
        history_rows_per_s: Math.round(ROWS / (r.ms / 1000)),
        append_rows_per_s: Math.round(ROWS / (r.appendMs / 1000)),
        event_loop_max_delay_ms: Number(r.maxLagMs.toFixed(1)),
        single_insert_rows_per_s: Math.round(ROWS / (insertMs / 1000)),
        single_insert_loop_block_ms: Number(blockMs.toFixed(1)),
      })}`,
    );
  } finally {
    await store.close();
    dir.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
