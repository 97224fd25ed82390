// `npm run bench:gateway` (node services/gateway/dist/bench/gateway.bench.js): 1,000 graphql-ws
// subscribers to quotes of 50 instruments while quotes flow, then the `quote` query over HTTP.
//
// The mesh it runs: the Kafka-protocol broker and the symbol service (seeded with the 50 bench
// instruments) and the gateway, each its own process; this process publishes simulated quotes on
// the bus at a fixed rate, stamping publishTimeMicros, and holds the subscribers. Delivery latency
// is publishTimeMicros to receipt by a subscriber (one clock: this process).
//
// `quote` is answered by market-data's GetQuote. While market-data does not serve it yet, a
// stand-in GetQuote in this process answers from the latest simulated quote, so that the figure
// is the gateway's own cost (token check, permission guard, limits, gRPC call, serialization);
// BENCH_MARKET_DATA_ADDR points the gateway at a real market-data instead.
//
// Knobs: BENCH_SUBSCRIBERS (1000), BENCH_INSTRUMENTS (50), BENCH_INSTRUMENTS_PER_SUBSCRIBER (1),
// BENCH_QUOTES_PER_S (500, over all instruments), BENCH_SECONDS (10), BENCH_QUERY_CONCURRENCY (64),
// BENCH_ONLY (unset: everything; `queries`: only the `quote` query answered from the feed, for a
// quick run while working on the query path), BENCH_NODE_ARGS (node flags of the gateway process),
// BENCH_GATEWAY_MAIN (the gateway's main.js: another build to compare with).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, ServerCredentials, loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Client } from 'graphql-ws';
import { GRPC_LOADER_OPTIONS, SERVICE_CONTRACTS, type eventsV1 } from '@tapeline/contracts';
import { spawnBroker } from '@tapeline/kafka-broker';
import { nowMicros } from '@tapeline/telemetry';
import { spawn } from 'node:child_process';
import {
  busWithTopics,
  gatewayWsClient,
  simulatedQuote,
  startSymbol,
} from '@tapeline/gateway/dist/testing/live-mesh';
import { devClientToken, freePort, waitFor, REPO_ROOT } from '@tapeline/test-kit';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SUBSCRIBERS = num('BENCH_SUBSCRIBERS', 1000);
const INSTRUMENTS = num('BENCH_INSTRUMENTS', 50);
const PER_SUBSCRIBER = num('BENCH_INSTRUMENTS_PER_SUBSCRIBER', 1);
const QUOTES_PER_S = num('BENCH_QUOTES_PER_S', 500);
const SECONDS = num('BENCH_SECONDS', 10);
const QUERY_CONCURRENCY = num('BENCH_QUERY_CONCURRENCY', 64);
const QUERIES_ONLY = process.env['BENCH_ONLY'] === 'queries';

/** BENCH_GATEWAY_MAIN: another build of the gateway, e.g. a copy of the previous one for an A/B run. */
const GATEWAY_MAIN =
  process.env['BENCH_GATEWAY_MAIN'] ?? path.join(REPO_ROOT, 'services/gateway/dist/main.js');
/** Node flags for the gateway processes, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p". */
const NODE_ARGS = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

/** A child process with its output kept line by line. */
interface Proc {
  pid?: number;
  lines: string[];
  exited: Promise<unknown>;
  kill(signal?: NodeJS.Signals): void;
}
function run(script: string, env: Record<string, string>, nodeArgs: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return {
    pid: child.pid,
    lines,
    exited: new Promise((resolve) => child.once('exit', resolve)),
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
}

const ids = Array.from({ length: INSTRUMENTS }, (_, i) => `BX${String(i).padStart(3, '0')}.SIM`);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** A symbol seed with the bench instruments (FX-like: price scale 5). */
function seedYaml(): string {
  const session = `[{ name: continuous, timeZone: UTC, open: '00:00', close: '00:00', weekdays: [1, 2, 3, 4, 5, 6, 7] }]`;
  return (
    'instruments:\n' +
    ids
      .map(
        (id) =>
          `  - { id: ${id}, symbol: ${id.split('.')[0]}, description: bench instrument, assetClass: FX_SPOT, ` +
          `venue: SIM, currency: USD, baseCurrency: EUR, priceScale: 5, sizeScale: 0, tickSize: '0.00001', ` +
          `lotSize: '1', venueSymbols: { SIM: ${id.split('.')[0]} }, sessions: ${session} }`,
      )
      .join('\n') +
    '\n'
  );
}

/** Latest simulated quote per instrument, as market-data would hold it. */
const latest = new Map<string, eventsV1.QuoteEvent>();
let sequence = 0;
function nextQuote(id: string): eventsV1.QuoteEvent {
  sequence++;
  const q = simulatedQuote(id, sequence, 108_000 + (sequence % 500));
  latest.set(id, q);
  return q;
}

/** The stand-in market-data: GetQuote from the latest simulated quote. */
async function standInMarketData(): Promise<{ addr: string; close(): void }> {
  const contract = SERVICE_CONTRACTS['market-data'];
  let node = loadPackageDefinition(loadSync(contract.proto, GRPC_LOADER_OPTIONS)) as GrpcObject;
  for (const part of contract.package.split('.')) node = node[part] as GrpcObject;
  const service = (node[contract.service] as unknown as { service: Parameters<Server['addService']>[0] })
    .service;
  const server = new Server();
  server.addService(service, {
    getQuote: (
      call: { request: { instrumentId: string } },
      cb: (err: { code: number; details: string } | null, res?: unknown) => void,
    ) => {
      const q = latest.get(call.request.instrumentId);
      if (q) cb(null, { quote: q });
      else cb({ code: 14, details: 'no quote yet' });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return { addr: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

/** CPU milliseconds a process has used so far (Linux /proc). */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `quote` queries per second with QUERY_CONCURRENCY requests in flight, after a warm-up. */
async function measureQuotes(
  { port, pid }: { port: number; pid: number | undefined },
  token: string,
): Promise<{
  perSecond: number;
  errorRatio: number;
  gatewayCpuUsPerQuery: number;
  clientCpuUsPerQuery: number;
}> {
  // One request buffer per instrument, built once: the client should cost as little as possible,
  // since it shares the cores with the gateway.
  const requests = ids.map((id) => {
    const payload = JSON.stringify({
      query: `{ quote(instrumentId: "${id}") { bidPrice askPrice publishTime } }`,
    });
    return Buffer.from(
      `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\n` +
        `authorization: Bearer ${token}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
  });
  const runFor = async (seconds: number) => {
    let ok = 0;
    let failed = 0;
    const t0 = performance.now();
    const until = t0 + seconds * 1000;
    await Promise.all(
      Array.from(
        { length: QUERY_CONCURRENCY },
        (_, w) =>
          new Promise<void>((done) => {
            let i = w;
            let socket: Socket;
            let pending: Buffer | undefined;
            const send = () => {
              if (performance.now() >= until) {
                socket.destroy();
                return;
              }
              socket.write(requests[i % requests.length]!);
              i += QUERY_CONCURRENCY;
            };
            const onData = (chunk: Buffer) => {
              pending = pending ? Buffer.concat([pending, chunk]) : chunk;
              const end = pending.indexOf('\r\n\r\n');
              if (end < 0) return;
              const head = pending.toString('latin1', 0, end);
              const length = /\r\ncontent-length: *(\d+)/i.exec(head);
              // A response this client does not read (chunked) fails, on a fresh connection.
              if (!length) return void socket.destroy();
              const total = end + 4 + Number(length[1]);
              if (pending.length < total) return;
              if (head.startsWith('HTTP/1.1 200') && pending.indexOf('"errors"', end + 4) < 0) ok++;
              else failed++;
              pending = undefined;
              send();
            };
            const connect = () => {
              pending = undefined;
              socket = createConnection({ host: '127.0.0.1', port, noDelay: true }, send);
              socket.on('data', onData);
              socket.on('error', () => undefined);
              socket.once('close', () => {
                if (performance.now() >= until) return done();
                failed++; // whatever was in flight
                connect();
              });
            };
            connect();
          }),
      ),
    );
    return { ok, failed, seconds: (performance.now() - t0) / 1000 };
  };
  await runFor(2); // warm-up: JIT, connections, caches
  const cpu0 = cpuMsOf(pid);
  const clientCpu0 = process.cpuUsage();
  const r = await runFor(SECONDS);
  const cpuMs = cpuMsOf(pid) - cpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  return {
    perSecond: Math.round(r.ok / r.seconds),
    errorRatio: +(r.failed / Math.max(1, r.ok + r.failed)).toFixed(4),
    gatewayCpuUsPerQuery: Math.round((cpuMs * 1000) / Math.max(1, r.ok + r.failed)),
    // This process also publishes the quotes (a few hundred a second): a small share of it.
    clientCpuUsPerQuery: Math.round((clientCpu.user + clientCpu.system) / Math.max(1, r.ok + r.failed)),
  };
}

/** Processes this bench started: stopped however it ends. */
const procs: Proc[] = [];

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gateway-bench-'));
  const seed = path.join(dir, 'instruments.yaml');
  await writeFile(seed, seedYaml());
  const broker = await spawnBroker({ dataDir: path.join(dir, 'kafka') });
  procs.push({ lines: broker.output, exited: broker.stopped, kill: (signal) => broker.kill(signal) });
  const brokers = `${broker.host}:${broker.port}`;
  const bus = await busWithTopics(brokers, 'gateway-bench');
  const standIn = process.env['BENCH_MARKET_DATA_ADDR'] ? undefined : await standInMarketData();
  const marketDataAddr = process.env['BENCH_MARKET_DATA_ADDR'] ?? standIn!.addr;

  const symbol = await startSymbol({ SYMBOL_SEED_FILE: seed, LOG_LEVEL: 'warn' });
  procs.push(symbol.proc);

  const startGateway = async (env: Record<string, string> = {}) => {
    const port = await freePort();
    const proc = run(
      GATEWAY_MAIN,
      {
        GRPC_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        GRPC_PORT: String(await freePort()),
        METRICS_PORT: String(await freePort()),
        SYMBOL_GRPC_ADDR: symbol.addr,
        MARKET_DATA_GRPC_ADDR: marketDataAddr,
        KAFKA_BROKERS: brokers,
        GATEWAY_RATE_LIMIT_PER_S: '1000000',
        GATEWAY_RATE_LIMIT_BURST: '1000000',
        LOG_LEVEL: 'info',
        ...env,
      },
      NODE_ARGS,
    );
    procs.push(proc);
    await waitFor(
      'the gateway feed',
      async () => proc.lines.some((l) => l.includes('"msg":"market feed consuming"')),
      60_000,
    );
    return { port, pid: proc.pid };
  };
  const first = await startGateway();
  const gatewayPort = first.port;
  const gatewayPid = first.pid;
  const base = `http://127.0.0.1:${gatewayPort}`;
  const token = await devClientToken(base, 'trader');

  /** Delivery to SUBSCRIBERS graphql-ws clients, measured for SECONDS; they are closed after. */
  async function measureSubscriptions() {
    let received = 0;
    let measuring = false;
    let latencies = new Float64Array(1 << 20);
    let count = 0;
    const clients: Client[] = [];
    let ready = 0;
    log(`connecting ${SUBSCRIBERS} subscribers to ${INSTRUMENTS} instruments (${PER_SUBSCRIBER} each)`);
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = gatewayWsClient(base, token);
      clients.push(client);
      const mine = Array.from({ length: PER_SUBSCRIBER }, (_, k) => ids[(i + k * 7) % ids.length]!);
      let first = true;
      client.subscribe(
        {
          query: `subscription { quotes(instrumentIds: ${JSON.stringify(mine)}) { instrumentId bidPrice askPrice publishTime } }`,
        },
        {
          next: (v) => {
            const now = nowMicros();
            if (first) {
              first = false;
              ready++;
            }
            if (!measuring) return;
            received++;
            const iso = (v.data as { quotes: { publishTime: string } }).quotes.publishTime;
            const sent = Date.parse(iso.slice(0, 23) + 'Z') * 1000 + Number(iso.slice(23, 26));
            if (count === latencies.length) {
              const grown = new Float64Array(latencies.length * 2);
              grown.set(latencies);
              latencies = grown;
            }
            latencies[count++] = (now - sent) / 1000;
          },
          error: (err) => log(`subscriber ${i} error: ${JSON.stringify(err)}`),
          complete: () => undefined,
        },
      );
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(
      `all ${SUBSCRIBERS} subscribers receiving`,
      async () => ready === SUBSCRIBERS,
      120_000,
      200,
    );
    log('subscribers ready; measuring delivery');
    await new Promise((r) => setTimeout(r, 2000));
    measuring = true;
    const publishedBefore = published;
    const started = performance.now();
    const gatewayCpu0 = cpuMsOf(gatewayPid);
    const benchCpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    measuring = false;
    const elapsedS = (performance.now() - started) / 1000;
    const benchCpu = process.cpuUsage(benchCpu0);
    log(
      `cpu during delivery: gateway ${((cpuMsOf(gatewayPid) - gatewayCpu0) / elapsedS / 10).toFixed(0)}% of a core, ` +
        `this process (publisher + subscribers) ${((benchCpu.user + benchCpu.system) / 1000 / elapsedS / 10).toFixed(0)}%`,
    );
    const publishedRate = (published - publishedBefore) / elapsedS;
    const sorted = latencies.slice(0, count).sort();
    const subscriptionFigures = {
      updates_per_s: Math.round(received / elapsedS),
      delivery_p50_ms: +percentile(sorted, 50).toFixed(2),
      delivery_p99_ms: +percentile(sorted, 99).toFixed(2),
      delivery_max_ms: +percentile(sorted, 100).toFixed(2),
      published_quotes_per_s: Math.round(publishedRate),
    };
    log(`subscriptions: ${JSON.stringify(subscriptionFigures)}`);
    await Promise.all(clients.map((c) => c.dispose()));
    return subscriptionFigures;
  }

  // Quotes flow from now on, at a fixed rate, in 10 ms ticks.
  const perTick = QUOTES_PER_S / 100;
  let owed = 0;
  let published = 0;
  let next = 0;
  const publisher = setInterval(() => {
    owed += perTick;
    const batch: eventsV1.QuoteEvent[] = [];
    for (; owed >= 1; owed--) batch.push(nextQuote(ids[next++ % ids.length]!));
    published += batch.length;
    if (batch.length)
      bus.publishMany('quotes', batch).catch((err: unknown) => log(`publish failed: ${String(err)}`));
  }, 10);

  // Subscribers: one WebSocket connection each.
  const subscriptionFigures = QUERIES_ONLY ? {} : await measureSubscriptions();
  if (QUERIES_ONLY) await new Promise((r) => setTimeout(r, 1000)); // a quote of every instrument

  // Queries: concurrent HTTP POSTs of `quote` with a token, keep-alive, while quotes still flow.
  // First as configured (answered from the gateway's feed), then through market-data's GetQuote.
  const viaFeed = await measureQuotes(first, token);
  let viaGrpc: typeof viaFeed | undefined;
  if (!QUERIES_ONLY) {
    const second = await startGateway({ GATEWAY_QUOTES_FROM_FEED: 'false' });
    viaGrpc = await measureQuotes(second, await devClientToken(`http://127.0.0.1:${second.port}`, 'trader'));
  }
  clearInterval(publisher);
  log(
    `quote via feed: ${JSON.stringify(viaFeed)}; via GetQuote: ${viaGrpc ? JSON.stringify(viaGrpc) : 'not run'} (concurrency ${QUERY_CONCURRENCY}); ` +
      `GetQuote answered by ${standIn ? 'the in-bench stand-in (market-data does not serve it yet)' : marketDataAddr}; ` +
      `the machine was shared with other work: figures are indicative`,
  );

  standIn?.close();
  await bus.close();
  await stopAll();
  await rm(dir, { recursive: true, force: true });

  const figures = {
    ...subscriptionFigures,
    quote_queries_per_s: viaFeed.perSecond,
    quote_gateway_cpu_us_per_query: viaFeed.gatewayCpuUsPerQuery,
    ...(viaGrpc ? { quote_getquote_queries_per_s: viaGrpc.perSecond } : {}),
    quote_query_error_ratio: Math.max(viaFeed.errorRatio, viaGrpc?.errorRatio ?? 0),
  };
  process.stdout.write(`BENCH ${JSON.stringify(figures)}\n`);
}

async function stopAll(): Promise<void> {
  // The broker (first) last: the services flush to it while they stop.
  for (const p of procs.slice(1)) p.kill('SIGTERM');
  await Promise.all(procs.slice(1).map((p) => p.exited));
  procs[0]?.kill('SIGTERM');
  await procs[0]?.exited;
}

main().catch(async (err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  await stopAll();
  process.exit(1);
});
