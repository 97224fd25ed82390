// market-data throughput (`npm run bench:market-data`), in one process:
//  (a) 1,000,000 simulated depth updates (generated ahead of each timed chunk, untimed) through
//      normalise + book build + publish-encode: every DepthEvent and QuoteEvent the books emit is
//      keyed and encoded with its topic's codec into one reused writer, as the bus does before a
//      send (libs/market's bench approach). The same updates then go through the service's whole
//      pipeline (per-venue counts and latency histograms, stream hub, latest quotes, quote rows
//      appended to history), with only the Kafka send and the ClickHouse insert left out.
//  (b) 1,000,000 trades recorded through the service's TickHistory (each TradeEvent's fields written
//      straight into the columns of a libs/history BatchedInserter batch) into embedded chDB,
//      appended in bursts like a live feed, timed from the first append until every row is
//      inserted (and counted back): in batches of 100,000 rows (history_rows_per_s), and of the
//      service's default 20,000 (history_rows_default_batch_per_s). Batches that queue behind an
//      insert in flight go out together (up to 200,000 rows per INSERT), so the engine writes about
//      as many parts either way; history_append_per_s is the appends alone (event-loop time).
// Each part runs in a fresh child process, so neither measures the other's garbage.
//
//   node services/market-data/dist/bench/market-data.bench.js [--updates N] [--trades N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Registry } from 'prom-client';
import { TopicRegistry, type Bus, type TopicName, type TopicPayloads } from '@tapeline/bus';
import { commonV1, type eventsV1 } from '@tapeline/contracts';
import type { ClickHouseStore } from '@tapeline/history';
import { InstrumentMaster, loadSeedFile } from '@tapeline/instruments';
import {
  FeedHandler,
  InstrumentMasterResolver,
  MarketSimulation,
  type FeedAdapter,
  type MarketOutput,
  type RawDepth,
} from '@tapeline/market';
import { createLogger } from '@tapeline/telemetry';
import { simulatedListings } from '@tapeline/market-data/dist/feeds/feed-adapters';
import { openTickStore, TickHistory } from '@tapeline/market-data/dist/history/tick-history';
import { MarketDataPipeline } from '@tapeline/market-data/dist/pipeline/market-data-pipeline';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.lastIndexOf(`--${name}`); // the parent appends the part's own options last
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const UPDATES = arg('updates', 1_000_000);
const TRADES = arg('trades', 1_000_000);
// History batches: the service's default MARKET_DATA_HISTORY_BATCH_ROWS, and the size a high-rate
// feed should set (fewer, larger parts for the engine to write; more memory per table).
const DEFAULT_BATCH = 20_000;
const LARGE_BATCH = 100_000;
const BATCH = arg('batch', DEFAULT_BATCH);
const CHUNK = 50_000;
const WARMUP = 100_000;
const BURST = 5_000;
const SEED_FILE = path.resolve(__dirname, '../../../symbol/config/instruments.yaml');
const BENCH_INSTRUMENTS = [
  'AAPL.XNAS',
  'MSFT.XNAS',
  'NVDA.XNAS',
  'ESZ6.XCME',
  'EURUSD.EBSM',
  'USDJPY.EBSM',
  'BTC-USDT.BINANCE',
  'ETH-USDT.BINANCE',
];

const logger = createLogger('bench-market-data', 'warn');
const log = (msg: string) => process.stderr.write(`[bench:market-data] ${msg}\n`);
const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
const master = new InstrumentMaster(loadSeedFile(SEED_FILE));
const resolver = new InstrumentMasterResolver(master);
const listings = simulatedListings(
  BENCH_INSTRUMENTS.map((id) => master.get(id)!),
  [],
);

/** Depth updates of one continuing simulated market, in chunks (trades do not touch books). */
function* depthChunks(total: number): Generator<RawDepth[]> {
  const sim = new MarketSimulation({
    instruments: listings,
    seed: 2026,
    levels: 10,
    eventsPerSecond: 100_000,
  });
  for (let left = total; left > 0;) {
    const n = Math.min(CHUNK, left);
    const chunk: RawDepth[] = [];
    while (chunk.length < n) {
      const e = sim.next();
      if (e.type === 'depth') chunk.push(e);
    }
    left -= n;
    yield chunk;
  }
}

/** Feeds WARMUP updates untimed, then UPDATES timed, chunk by chunk; yields the loop between chunks. */
async function measure(deliver: (e: RawDepth) => void): Promise<number> {
  let ms = 0;
  let warm = WARMUP;
  for (const chunk of depthChunks(WARMUP + UPDATES)) {
    let from = 0;
    if (warm > 0) {
      from = Math.min(warm, chunk.length);
      for (let i = 0; i < from; i++) deliver(chunk[i]!);
      warm -= from;
    }
    const t0 = performance.now();
    for (let i = from; i < chunk.length; i++) deliver(chunk[i]!);
    ms += performance.now() - t0;
    await yieldLoop(); // background work (history appends drain) runs between chunks, untimed
  }
  return ms;
}

const topics = new TopicRegistry();
const writer = new BinaryWriter();
let encodedBytes = 0;
let keyChars = 0;
function encode<T extends TopicName>(topic: T, event: TopicPayloads[T]): void {
  const spec = topics.spec(topic);
  keyChars += spec.keyOf(event).length;
  encodedBytes += spec.codec.encode(event, writer).finish().length;
}

async function depthThroughput(): Promise<{ encodeMs: number; pipelineMs: number; quotes: number }> {
  let quotes = 0;
  const output: MarketOutput = {
    depth: (e) => encode('depth', e),
    quote: (e) => {
      quotes++;
      encode('quotes', e);
    },
    trade: (e) => encode('trades', e),
    alert: () => undefined,
    resync: () => undefined,
  };
  const handler = new FeedHandler({ resolver, output });
  const encodeMs = await measure((e) => handler.onEvent(e));

  // The service's pipeline: the bus stand-in encodes as the real one does and resolves at once;
  // the history store stand-in accepts every batch.
  const bus = {
    publish<T extends TopicName>(topic: T, event: TopicPayloads[T]): Promise<void> {
      encode(topic, event);
      return Promise.resolve();
    },
  } as unknown as Bus;
  const store: ClickHouseStore = {
    kind: 'embedded',
    database: 'bench',
    command: async () => undefined,
    insert: async (_table, rows) => rows.length,
    query: async () => [],
    close: async () => undefined,
  };
  const history = new TickHistory({
    store,
    logger,
    batchRows: BATCH,
    lingerMs: 250,
    maxBufferedRows: 10 * BATCH,
  });
  const pipeline = new MarketDataPipeline({
    resolver,
    bus,
    history,
    logger,
    registry: new Registry(),
    depthLevels: 20,
    staleThresholdMicros: 5_000_000n,
    outlierStdDevs: 8,
    streamBuffer: 256,
  });
  const adapter = { venue: 'SIM' } as FeedAdapter;
  const sink = pipeline.sinkFor({ adapter, label: 'bench', live: true });
  const pipelineMs = await measure((e) => sink.onEvent(e));
  await history.close(10_000);
  return { encodeMs, pipelineMs, quotes };
}

/** A pool of distinct trades, recorded round-robin (rows repeat across rounds; the engine does not care). */
function tradePool(n: number, t0: number): eventsV1.TradeEvent[] {
  const pool: eventsV1.TradeEvent[] = [];
  for (let i = 0; i < n; i++) {
    const time = String(t0 + i * 37);
    pool.push({
      instrumentId: BENCH_INSTRUMENTS[i % BENCH_INSTRUMENTS.length]!,
      venue: 'SIM',
      sequence: String(i + 1),
      tradeId: `T${4_000_000_000 + i}`,
      priceScale: 2,
      sizeScale: 0,
      price: String(18_900 + (i % 500)),
      size: String(1 + (i % 900)),
      aggressorSide: (i & 1) === 0 ? commonV1.Side.SIDE_BUY : commonV1.Side.SIDE_SELL,
      exchangeTimeMicros: time,
      receiveTimeMicros: time,
      publishTimeMicros: time,
    });
  }
  return pool;
}

async function historyThroughput(): Promise<{ ms: number; appendMs: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-market-data-'));
  try {
    const store = await openTickStore({ database: 'market_data', chdbDir: dir, ttlDays: 3650 }, logger);
    const history = new TickHistory({
      store,
      logger,
      batchRows: BATCH,
      lingerMs: 250,
      maxBufferedRows: Math.max(TRADES, 2 * BATCH),
    });
    const pool = tradePool(Math.min(TRADES, 100_000), Date.now() * 1000 - 3_600_000_000);
    const start = performance.now();
    let appendMs = 0;
    for (let i = 0; i < TRADES;) {
      const t = performance.now();
      for (const end = Math.min(TRADES, i + BURST); i < end; i++) history.recordTrade(pool[i % pool.length]!);
      appendMs += performance.now() - t;
      await yieldLoop();
    }
    await history.flush();
    const ms = performance.now() - start;
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM trades');
    const stats = history.stats();
    await history.close(10_000);
    if (Number(row!.n) !== TRADES || stats.rowsDropped + stats.rowsRefused !== 0) {
      throw new Error(`expected ${TRADES} rows in trades, found ${row!.n} (${stats.rowsDropped} dropped)`);
    }
    return { ms, appendMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RESULT = 'RESULT ';

/** Runs one part in a child process and returns what it reported. */
function part(name: 'depth' | 'history', batch = BATCH): Record<string, number> {
  const out = execFileSync(
    process.execPath,
    [__filename, ...args, '--part', name, '--batch', String(batch)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    },
  );
  const line = out.split('\n').find((l) => l.startsWith(RESULT));
  if (!line) throw new Error(`the ${name} part reported nothing`);
  return JSON.parse(line.slice(RESULT.length)) as Record<string, number>;
}

async function main(): Promise<void> {
  const only = args[args.lastIndexOf('--part') + 1];
  if (args.includes('--part') && only === 'depth') {
    const depth = await depthThroughput();
    log(
      `${UPDATES} depth updates over ${listings.length} instruments (+${WARMUP} warm-up): normalise+book+encode ` +
        `${round(depth.encodeMs)} ms, service pipeline ${round(depth.pipelineMs)} ms; ` +
        `${depth.quotes} quotes, ${round(encodedBytes / 1e6, 1)} MB encoded (${keyChars} key chars)`,
    );
    process.stdout.write(`${RESULT}${JSON.stringify(depth)}\n`);
    return;
  }
  if (args.includes('--part') && only === 'history') {
    const history = await historyThroughput();
    log(
      `${TRADES} trades into chDB in batches of ${BATCH}: ${round(history.ms)} ms ` +
        `(${round(history.appendMs)} ms of it appending on the event loop)`,
    );
    process.stdout.write(`${RESULT}${JSON.stringify(history)}\n`);
    return;
  }
  const depth = part('depth');
  const history = part('history', LARGE_BATCH);
  const historyDefault = part('history', DEFAULT_BATCH);
  process.stdout.write(
    'BENCH ' +
      JSON.stringify({
        depth_updates_per_s: round((UPDATES / depth.encodeMs!) * 1000),
        pipeline_updates_per_s: round((UPDATES / depth.pipelineMs!) * 1000),
        history_rows_per_s: round((TRADES / history.ms!) * 1000),
        history_rows_default_batch_per_s: round((TRADES / historyDefault.ms!) * 1000),
        history_append_per_s: round((TRADES / history.appendMs!) * 1000),
        depth_elapsed_ms: round(depth.encodeMs!, 1),
        history_elapsed_ms: round(history.ms!, 1),
      }) +
      '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
