// npm run bench:bus — end-to-end throughput of the bus library against bare kafkajs on the same
// broker in the same run. 1,000,000 QuoteEvents (~90-byte protobuf, ~50 instrument keys) are
// produced and consumed; end to end = from the first send to the last message consumed.
//
//   node libs/bus/dist/bench/bus.bench.js [--messages N] [--broker child|inproc] [--partitions P]
//                                         [--only bus|kafkajs] [--brokers host:port]
// --brokers uses a broker that is already running (e.g. one started under --cpu-prof).
//
// The broker runs as a child process by default: on a 2-core machine the broker and the clients
// then compete for CPU the way they would in the mesh, instead of sharing one event loop.
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
const INSTRUMENTS = Array.from({ length: 50 }, (_, i) => `INST${String(i).padStart(3, '0')}.XNAS`);
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
      sequence: String(1_000_000 + i),
      priceScale: 4,
      sizeScale: 0,
      bidPrice: String(1_892_300 + (i % 500)),
      bidSize: String(100 + (i % 900)),
      askPrice: String(1_892_500 + (i % 500)),
      askSize: String(100 + ((i * 7) % 900)),
      exchangeTimeMicros: String(t),
      receiveTimeMicros: String(t + 45),
      publishTimeMicros: String(t + 61),
    };
  });
}

interface Broker {
  address: string;
  close(): Promise<void>;
}

async function startBenchBroker(): Promise<Broker> {
  if (EXTERNAL) return { address: EXTERNAL, close: async () => undefined };
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-bus-'));
  if (BROKER_MODE === 'inproc') {
    const b = await startBroker({ port: 0, dataDir, logger: silentLogger });
    return {
      address: `${b.host}:${b.port}`,
      close: async () => {
        await b.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const b = await spawnBroker({ dataDir, env: { KAFKA_LOG_LEVEL: 'warn' } });
  return {
    address: `${b.host}:${b.port}`,
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

async function runBus(address: string, pool: eventsV1.QuoteEvent[]): Promise<number> {
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
      if (++consumed === MESSAGES) resolveDone();
    },
  });
  const stop = progress('bus', () => produced, () => consumed);
  const t0 = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < MESSAGES; i += CHUNK) {
    const n = Math.min(CHUNK, MESSAGES - i);
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
  log(`bus: ${MESSAGES} in ${elapsed.toFixed(0)} ms; sendBatch calls ${bus.stats().sendBatchCalls}, commits ${bus.stats().offsetCommits}`);
  await bus.close();
  return elapsed;
}

async function runKafkajs(address: string, pool: eventsV1.QuoteEvent[]): Promise<number> {
  // Same producer guarantees as the bus (idempotent, acks -1, one request in flight), with the
  // payloads and keys encoded before the clock starts.
  const values = pool.map((q) => Buffer.from(eventsV1.QuoteEvent.encode(q).finish()));
  const keys = pool.map((q) => Buffer.from(q.instrumentId));
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [address], logLevel: logLevel.ERROR });
  const topic = `bench-kafkajs-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: 'bench-kafkajs', ...FETCH });
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
      if (consumed >= MESSAGES) resolveDone();
    },
  });
  const stop = progress('kafkajs', () => produced, () => consumed);
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i += BATCH) {
    const n = Math.min(BATCH, MESSAGES - i);
    const messages = new Array<{ key: Buffer; value: Buffer }>(n);
    for (let j = 0; j < n; j++) {
      const k = (i + j) % pool.length;
      messages[j] = { key: keys[k]!, value: values[k]! };
    }
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    produced += n;
  }
  await done;
  const elapsed = performance.now() - t0;
  stop();
  log(`kafkajs: ${MESSAGES} in ${elapsed.toFixed(0)} ms`);
  await consumer.disconnect();
  await producer.disconnect();
  return elapsed;
}

async function main(): Promise<void> {
  const pool = quotePool(10_000);
  const size = eventsV1.QuoteEvent.encode(pool[0]!).finish().length;
  log(`${MESSAGES} QuoteEvents of ~${size} bytes, ${INSTRUMENTS.length} keys, ${PARTITIONS} partitions, broker ${BROKER_MODE}`);
  const broker = await startBenchBroker();
  log(`broker at ${broker.address}`);
  try {
    const busMs = ONLY === 'kafkajs' ? NaN : await runBus(broker.address, pool);
    const kafkajsMs = ONLY === 'bus' ? NaN : await runKafkajs(broker.address, pool);
    const busRate = MESSAGES / (busMs / 1000);
    const kafkajsRate = MESSAGES / (kafkajsMs / 1000);
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
        }) +
        '\n',
    );
  } finally {
    await broker.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench:bus] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
