// npm run bench:bus — end-to-end throughput of the bus library against bare kafkajs on the same
// broker in the same run. 1,000,000 QuoteEvents (83-byte protobuf + 17-byte key, 50 instrument
// keys) are produced and consumed; end to end = from the first send to the last message consumed.
// Runs: the bus (publishMany + consume), bare kafkajs (sendBatch of pre-encoded buffers, eachBatch),
// and bare kafkajs again with the bus's two schema headers, i.e. the bus's exact wire format.
//
//   node libs/bus/dist/bench/bus.bench.js [--messages N] [--broker child|inproc] [--partitions P]
//                                         [--only bus|kafkajs] [--brokers host:port] [--warmup N]
// --brokers uses a broker that is already running (e.g. one started under --cpu-prof).
//
// The broker runs as a child process by default: on a 2-core machine the broker and the clients
// then compete for CPU the way they would in the mesh, instead of sharing one event loop.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { eventsV1 } from '@tapeline/contracts';
import { silentLogger, spawnBroker, startBroker } from '@tapeline/kafka-broker';
import { createBus, createStderrLogger, type BusConfig } from '../src';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const MESSAGES = Number(arg('messages', '1000000'));
const BROKER_MODE = arg('broker', 'child') as 'child' | 'inproc';
const PARTITIONS = Number(arg('partitions', '3'));
const ONLY = arg('only', '');
const EXTERNAL = arg('brokers', '');
// Each path first moves this many messages untimed, so that no run pays for JIT warm-up of code
// the runs share (kafkajs' encoders and decoders) and the first one measured is not penalised.
const WARMUP = Number(arg('warmup', '50000'));
// ISIN-style instrument ids: realistic key length (17 bytes).
const INSTRUMENTS = Array.from(
  { length: 50 },
  (_, i) => `US${String(37_833_100 + i * 7919).padStart(10, '0')}.XNAS`,
);
const CHUNK = 1000; // events per publishMany / per bare sendBatch
const WINDOW = 20; // publishMany calls outstanding at once (backpressure for the bench loop)
const BATCH = 2000; // bus batchSize, and messages per bare kafkajs sendBatch
const FETCH = { maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024, maxWaitTimeInMs: 100 };

const log = (msg: string): void => void process.stderr.write(`[bench:bus] ${msg}\n`);

// A pool of distinct events, reused cyclically: building 1M objects up front would measure the
// garbage collector, not the bus. The bus encodes each event at publish time.
function quotePool(size: number): eventsV1.QuoteEvent[] {
  const base = 1_714_566_896_000_000;
  return Array.from({ length: size }, (_, i) => {
    const t = base + i * 37;
    return {
      instrumentId: INSTRUMENTS[i % INSTRUMENTS.length]!,
      venue: 'XNAS',
      sequence: String(4_000_000_000_000 + i),
      priceScale: 8,
      sizeScale: 4,
      bidPrice: String(18_923_000_000 + (i % 500) * 1_000_000),
      bidSize: String(1_000_000 + (i % 900) * 10_000),
      askPrice: String(18_925_000_000 + (i % 500) * 1_000_000),
      askSize: String(1_000_000 + ((i * 7) % 900) * 10_000),
      exchangeTimeMicros: String(t),
      receiveTimeMicros: String(t + 45),
      publishTimeMicros: String(t + 61),
    };
  });
}

interface Broker {
  address: string;
  /** CPU time the broker process has used so far, when it is a separate process. */
  cpuMs(): number | null;
  close(): Promise<void>;
}

// utime + stime of a process from /proc, in ms (clock ticks are 100 Hz on Linux).
function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

function clientCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface RunResult {
  elapsedMs: number;
  clientCpuMs: number;
  brokerCpuMs: number | null;
}

async function measured(broker: Broker, run: () => Promise<number>): Promise<RunResult> {
  const c0 = clientCpuMs();
  const b0 = broker.cpuMs();
  const elapsedMs = await run();
  const b1 = broker.cpuMs();
  return {
    elapsedMs,
    clientCpuMs: clientCpuMs() - c0,
    brokerCpuMs: b0 === null || b1 === null ? null : b1 - b0,
  };
}

async function startBenchBroker(): Promise<Broker> {
  if (EXTERNAL) return { address: EXTERNAL, cpuMs: () => null, close: async () => undefined };
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-bus-'));
  if (BROKER_MODE === 'inproc') {
    const b = await startBroker({ port: 0, dataDir, logger: silentLogger });
    return {
      address: `${b.host}:${b.port}`,
      cpuMs: () => null, // shares this process: counted in the client's CPU
      close: async () => {
        await b.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const b = await spawnBroker({ dataDir, env: { KAFKA_LOG_LEVEL: 'warn' } });
  return {
    address: `${b.host}:${b.port}`,
    cpuMs: () => processCpuMs(b.pid),
    close: async () => {
      b.kill('SIGTERM');
      await b.stopped;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function progress(label: string, produced: () => number, consumed: () => number): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    log(`${label}: ${s.toFixed(1)} s produced ${produced()} consumed ${consumed()}`);
  }, 1000);
  return () => clearInterval(timer);
}

async function runBus(address: string, pool: eventsV1.QuoteEvent[], count = MESSAGES): Promise<number> {
  const config: BusConfig = {
    brokers: [address],
    clientId: 'bench-bus',
    topicPrefix: `bench-bus-${Date.now()}.`,
    ssl: false,
    topics: { partitions: PARTITIONS, replicationFactor: 1, retentionMs: 3_600_000 },
  };
  const bus = createBus(config, createStderrLogger('bench-bus', 'warn'), {
    producer: { lingerMs: 5, batchSize: BATCH, maxBatchBytes: 4 * 1024 * 1024 },
  });
  await bus.ensureTopics();
  await bus.connect();
  let consumed = 0;
  let produced = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await bus.consume({
    groupId: 'bench-bus',
    topics: ['quotes'],
    fromBeginning: true,
    maxBytesPerPartition: FETCH.maxBytesPerPartition,
    maxBytes: FETCH.maxBytes,
    maxWaitTimeMs: FETCH.maxWaitTimeInMs,
    handler: () => {
      if (++consumed === count) resolveDone();
    },
  });
  const stop = progress(
    'bus',
    () => produced,
    () => consumed,
  );
  const t0 = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < count; i += CHUNK) {
    const n = Math.min(CHUNK, count - i);
    const events = new Array<eventsV1.QuoteEvent>(n);
    for (let j = 0; j < n; j++) events[j] = pool[(i + j) % pool.length]!;
    const p: Promise<void> = bus.publishMany('quotes', events).then(() => {
      produced += n;
      inflight.delete(p);
    });
    inflight.add(p);
    if (inflight.size >= WINDOW) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  await done;
  const elapsed = performance.now() - t0;
  stop();
  log(
    `bus: ${count} in ${elapsed.toFixed(0)} ms; sendBatch calls ${bus.stats().sendBatchCalls}, commits ${bus.stats().offsetCommits}`,
  );
  await bus.close();
  return elapsed;
}

async function runKafkajs(
  address: string,
  pool: eventsV1.QuoteEvent[],
  withHeaders: boolean,
  count = MESSAGES,
): Promise<number> {
  // Same producer guarantees as the bus (idempotent, acks -1, one request in flight), with the
  // payloads and keys encoded before the clock starts. withHeaders adds the two schema headers
  // the bus puts on every message, so that run has the bus's exact wire format.
  const values = pool.map((q) => Buffer.from(eventsV1.QuoteEvent.encode(q).finish()));
  const keys = pool.map((q) => Buffer.from(q.instrumentId));
  const headers = {
    schema: Buffer.from('tapeline.events.v1.QuoteEvent'),
    'schema-version': Buffer.from('1'),
  };
  const label = withHeaders ? 'kafkajs+headers' : 'kafkajs';
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [address], logLevel: logLevel.ERROR });
  const topic = `bench-${withHeaders ? 'kafkajs-headers' : 'kafkajs'}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: topic, ...FETCH });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let produced = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= count) resolveDone();
    },
  });
  const stop = progress(
    label,
    () => produced,
    () => consumed,
  );
  const t0 = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    const n = Math.min(BATCH, count - i);
    const messages = new Array<{ key: Buffer; value: Buffer; headers?: Record<string, Buffer> }>(n);
    for (let j = 0; j < n; j++) {
      const k = (i + j) % pool.length;
      messages[j] = withHeaders
        ? { key: keys[k]!, value: values[k]!, headers }
        : { key: keys[k]!, value: values[k]! };
    }
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    produced += n;
  }
  await done;
  const elapsed = performance.now() - t0;
  stop();
  log(`${label}: ${count} in ${elapsed.toFixed(0)} ms`);
  await consumer.disconnect();
  await producer.disconnect();
  return elapsed;
}

async function main(): Promise<void> {
  const pool = quotePool(10_000);
  const size = eventsV1.QuoteEvent.encode(pool[0]!).finish().length;
  log(
    `${MESSAGES} QuoteEvents of ~${size} bytes, ${INSTRUMENTS.length} keys, ${PARTITIONS} partitions, broker ${BROKER_MODE}`,
  );
  const broker = await startBenchBroker();
  log(`broker at ${broker.address}`);
  try {
    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} messages per path, not measured`);
      await runBus(broker.address, pool, WARMUP);
      await runKafkajs(broker.address, pool, true, WARMUP);
    }
    const skipped: RunResult = { elapsedMs: NaN, clientCpuMs: NaN, brokerCpuMs: null };
    const bus = ONLY === 'kafkajs' ? skipped : await measured(broker, () => runBus(broker.address, pool));
    const bare =
      ONLY === 'bus' ? skipped : await measured(broker, () => runKafkajs(broker.address, pool, false));
    const same =
      ONLY === 'bus' || ONLY === 'kafkajs'
        ? skipped
        : await measured(broker, () => runKafkajs(broker.address, pool, true));
    for (const [label, r] of [
      ['bus', bus],
      ['kafkajs', bare],
      ['kafkajs+headers', same],
    ] as const) {
      if (Number.isFinite(r.elapsedMs)) {
        log(
          `${label}: client CPU ${r.clientCpuMs.toFixed(0)} ms, broker CPU ${r.brokerCpuMs?.toFixed(0) ?? 'n/a'} ms over ${r.elapsedMs.toFixed(0)} ms`,
        );
      }
    }
    const busMs = bus.elapsedMs;
    const kafkajsMs = bare.elapsedMs;
    const headersMs = same.elapsedMs;
    const busRate = MESSAGES / (busMs / 1000);
    const kafkajsRate = MESSAGES / (kafkajsMs / 1000);
    const headersRate = MESSAGES / (headersMs / 1000);
    const round = (n: number, d = 0): number | null => (Number.isFinite(n) ? Number(n.toFixed(d)) : null);
    process.stdout.write(
      'BENCH ' +
        JSON.stringify({
          bus_msgs_per_s: round(busRate),
          kafkajs_msgs_per_s: round(kafkajsRate),
          ratio: round(busRate / kafkajsRate, 3),
          messages: MESSAGES,
          bus_elapsed_ms: round(busMs),
          kafkajs_elapsed_ms: round(kafkajsMs),
          // Bare kafkajs with the bus's two schema headers on every message: same wire format,
          // so bus / this isolates what the library itself costs.
          kafkajs_same_headers_msgs_per_s: round(headersRate),
          ratio_same_headers: round(busRate / headersRate, 3),
          kafkajs_same_headers_elapsed_ms: round(headersMs),
          // Where the time goes: CPU of this (client) process and of the broker process.
          bus_client_cpu_ms: round(bus.clientCpuMs),
          bus_broker_cpu_ms: round(bus.brokerCpuMs ?? NaN),
          kafkajs_client_cpu_ms: round(bare.clientCpuMs),
          kafkajs_broker_cpu_ms: round(bare.brokerCpuMs ?? NaN),
        }) +
        '\n',
    );
  } finally {
    await broker.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[bench:bus] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
