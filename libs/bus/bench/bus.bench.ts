// npm run bench:bus — end-to-end throughput of the bus library against bare kafkajs on the same
// broker in the same run. 1,000,000 QuoteEvents (83-byte protobuf + 17-byte key, 50 instrument
// keys) are produced and consumed; end to end = from the first send to the last message consumed.
// Runs: the bus (publishMany + consume), bare kafkajs (sendBatch of pre-encoded buffers, eachBatch),
// and bare kafkajs again with the bus's schema header, i.e. the bus's exact wire format.
// The kafkajs consumers only count each fetched batch (batch.messages.length): no per-message
// work, no protobuf decode. The bus decodes every payload (~0.7-1 µs), checks its schema header
// and calls a handler per message, so bus/kafkajs compares a full consumer with a bare count.
//
//   node libs/bus/dist/bench/bus.bench.js [--messages N] [--broker child|inproc] [--partitions P]
//        [--only bus|kafkajs|kafkajs+headers] [--brokers host:port] [--warmup N] [--producer worker|main] [--batch N]
//        [--min-bytes N]
// --brokers uses a broker that is already running (e.g. one started under --cpu-prof).
//
// Every run has the same shape: the producing side runs in a worker thread (bench/quote-producer.ts)
// and the consuming side in this thread, as producer and consumer are different services in the
// mesh; --producer main puts both in this thread. The broker runs as a child process by default:
// on a 2-core machine the broker and the clients then compete for CPU the way they would in the
// mesh, instead of sharing one event loop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { eventsV1 } from '@tapeline/contracts';
import { silentLogger, spawnBroker, startBroker } from '@tapeline/kafka-broker';
import { createBus, createStderrLogger } from '../src';
import type { FromProducer, ToProducer } from './quote-producer';
import {
  busConfig,
  INSTRUMENTS,
  prepareProducer,
  procCpuMs,
  quotePool,
  threadCpuMs,
  type ProduceSpec,
  type ReadyProducer,
} from './quote-workload';

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
const PRODUCER = arg('producer', 'worker') as 'worker' | 'main';
// Messages per produce request, for the bus (batchSize) and bare kafkajs (sendBatch) alike.
const BATCH = Number(arg('batch', '500'));
// Each path first moves this many messages untimed, so that no run pays for JIT warm-up of code
// the runs share (kafkajs' encoders and decoders) and the first one measured is not penalised.
const WARMUP = Number(arg('warmup', '50000'));
// Fetch settings of both consumers (the bus's and bare kafkajs'): large batches, and a fetch
// waits (at most maxWaitTimeInMs) for minBytes, so a consumer that keeps up does not spend its
// time on many small fetches and commits.
const FETCH = {
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  maxWaitTimeInMs: 100,
  minBytes: Number(arg('min-bytes', String(256 * 1024))),
};

const log = (msg: string): void => void process.stderr.write(`[bench:bus] ${msg}\n`);

interface Broker {
  address: string;
  /** CPU time the broker process has used so far, when it is a separate process. */
  cpuMs(): number | null;
  close(): Promise<void>;
}

/** CPU of this process, all threads (the producer worker included). */
function clientCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface RunTimes {
  elapsedMs: number;
  /** CPU of the producing thread (NaN when it is also the consuming one). */
  producerCpuMs: number;
  /** CPU of this thread: the consuming side (and the producing side too with --producer main). */
  consumerCpuMs: number;
}

interface RunResult extends RunTimes {
  clientCpuMs: number;
  brokerCpuMs: number | null;
}

async function measured(broker: Broker, run: () => Promise<RunTimes>): Promise<RunResult> {
  const c0 = clientCpuMs();
  const b0 = broker.cpuMs();
  const times = await run();
  const b1 = broker.cpuMs();
  return {
    ...times,
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
    cpuMs: () => procCpuMs(`/proc/${b.pid}/stat`),
    close: async () => {
      b.kill('SIGTERM');
      await b.stopped;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Where the producing side of each run happens: a worker thread, or this thread. */
interface ProducerHost {
  prepare(spec: ProduceSpec): Promise<ReadyProducer>;
  close(): Promise<void>;
}

function workerProducerHost(): ProducerHost {
  const worker = new Worker(join(__dirname, 'quote-producer.js'));
  let listener: ((m: FromProducer) => void) | null = null;
  worker.on('message', (m: FromProducer) => listener?.(m));
  worker.on('error', (err) => listener?.({ type: 'error', message: err.stack ?? err.message }));
  const send = (m: ToProducer): void => worker.postMessage(m);
  return {
    prepare: (spec) =>
      new Promise<ReadyProducer>((resolveReady, rejectReady) => {
        let produced = 0;
        let settle: { resolve: (cpuMs: number) => void; reject: (e: Error) => void } | null = null;
        listener = (m) => {
          if (m.type === 'ready') {
            resolveReady({
              produced: () => produced,
              go: () =>
                new Promise<number>((resolve, reject) => {
                  settle = { resolve, reject };
                  send({ type: 'go' });
                }),
            });
          } else if (m.type === 'progress') {
            produced = m.produced;
          } else if (m.type === 'done') {
            produced = m.produced;
            settle?.resolve(m.cpuMs);
          } else {
            const err = new Error(`producer worker: ${m.message}`);
            if (settle) settle.reject(err);
            else rejectReady(err);
          }
        };
        send({ type: 'prepare', spec });
      }),
    close: async () => {
      send({ type: 'exit' });
      await worker.terminate();
    },
  };
}

function mainThreadProducerHost(): ProducerHost {
  const pool = quotePool(10_000);
  return {
    // The thread also consumes, so its CPU says nothing about the producing side alone.
    prepare: async (spec) => {
      const ready = await prepareProducer(spec, pool);
      return { produced: ready.produced, go: () => ready.go().then(() => NaN) };
    },
    close: async () => undefined,
  };
}

/** The consuming side of a run, joined to its group and counting; done() resolves at `count`. */
interface ReadyConsumer {
  consumed(): number;
  done: Promise<void>;
  close(): Promise<void>;
}

async function busConsumer(address: string, prefix: string, count: number): Promise<ReadyConsumer> {
  const bus = createBus(busConfig(address, prefix, PARTITIONS), createStderrLogger('bench-bus', 'warn'));
  await bus.ensureTopics();
  let consumed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await bus.consume({
    groupId: 'bench-bus',
    topics: ['quotes'],
    fromBeginning: true,
    maxBytesPerPartition: FETCH.maxBytesPerPartition,
    maxBytes: FETCH.maxBytes,
    maxWaitTimeMs: FETCH.maxWaitTimeInMs,
    minBytes: FETCH.minBytes,
    handler: () => {
      if (++consumed === count) resolveDone();
    },
  });
  await until(() => bus.health().consumers.every((c) => c.state === 'running'));
  return {
    consumed: () => consumed,
    done,
    close: async () => {
      log(`bus: commits ${bus.stats().offsetCommits}`);
      await bus.close();
    },
  };
}

async function kafkajsConsumer(address: string, topic: string, count: number): Promise<ReadyConsumer> {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [address], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: topic, ...FETCH });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= count) resolveDone();
    },
  });
  await until(() => joined);
  return { consumed: () => consumed, done, close: () => consumer.disconnect() };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

async function run(
  host: ProducerHost,
  address: string,
  kind: ProduceSpec['kind'],
  count = MESSAGES,
): Promise<RunTimes> {
  const topic = kind === 'bus' ? `bench-bus-${Date.now()}.` : `bench-${kind.replace('+', '-')}-${Date.now()}`;
  const consumer =
    kind === 'bus' ? await busConsumer(address, topic, count) : await kafkajsConsumer(address, topic, count);
  const producer = await host.prepare({ kind, address, topic, count, partitions: PARTITIONS, batch: BATCH });
  const started = Date.now();
  const timer = setInterval(() => {
    const s = ((Date.now() - started) / 1000).toFixed(1);
    log(`${kind}: ${s} s produced ${producer.produced()} consumed ${consumer.consumed()}`);
  }, 1000);
  const consumerCpu0 = threadCpuMs();
  const t0 = performance.now();
  const [producerCpuMs] = await Promise.all([producer.go(), consumer.done]);
  const elapsedMs = performance.now() - t0;
  const consumerCpuMs = threadCpuMs() - consumerCpu0;
  clearInterval(timer);
  log(`${kind}: ${count} in ${elapsedMs.toFixed(0)} ms`);
  await consumer.close();
  return { elapsedMs, producerCpuMs, consumerCpuMs };
}

async function main(): Promise<void> {
  const size = eventsV1.QuoteEvent.encode(quotePool(1)[0]!).finish().length;
  log(
    `${MESSAGES} QuoteEvents of ~${size} bytes, ${INSTRUMENTS.length} keys, ${PARTITIONS} partitions, ` +
      `batch ${BATCH}, broker ${BROKER_MODE}, producer in ${PRODUCER === 'worker' ? 'a worker thread' : 'the main thread'}`,
  );
  const broker = await startBenchBroker();
  const host = PRODUCER === 'worker' ? workerProducerHost() : mainThreadProducerHost();
  log(`broker at ${broker.address}`);
  try {
    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} messages per path, not measured`);
      await run(host, broker.address, 'bus', WARMUP);
      await run(host, broker.address, 'kafkajs+headers', WARMUP);
    }
    const skipped: RunResult = {
      elapsedMs: NaN,
      producerCpuMs: NaN,
      consumerCpuMs: NaN,
      clientCpuMs: NaN,
      brokerCpuMs: null,
    };
    const runs = (kind: ProduceSpec['kind']): boolean => ONLY === '' || ONLY === kind;
    const bus = runs('bus') ? await measured(broker, () => run(host, broker.address, 'bus')) : skipped;
    const bare = runs('kafkajs')
      ? await measured(broker, () => run(host, broker.address, 'kafkajs'))
      : skipped;
    const same = runs('kafkajs+headers')
      ? await measured(broker, () => run(host, broker.address, 'kafkajs+headers'))
      : skipped;
    for (const [label, r] of [
      ['bus', bus],
      ['kafkajs', bare],
      ['kafkajs+headers', same],
    ] as const) {
      if (Number.isFinite(r.elapsedMs)) {
        log(
          `${label}: client CPU ${r.clientCpuMs.toFixed(0)} ms (producer thread ${r.producerCpuMs.toFixed(0)}, ` +
            `consumer thread ${r.consumerCpuMs.toFixed(0)}), broker CPU ${r.brokerCpuMs?.toFixed(0) ?? 'n/a'} ms ` +
            `over ${r.elapsedMs.toFixed(0)} ms`,
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
          // Bare kafkajs with the bus's schema header on every message: same wire format,
          // so bus / this isolates what the library itself costs.
          kafkajs_same_headers_msgs_per_s: round(headersRate),
          ratio_same_headers: round(busRate / headersRate, 3),
          kafkajs_same_headers_elapsed_ms: round(headersMs),
          // Where the time goes: CPU of this (client) process, of its producing and consuming
          // threads, and of the broker process.
          bus_client_cpu_ms: round(bus.clientCpuMs),
          bus_producer_cpu_ms: round(bus.producerCpuMs),
          bus_consumer_cpu_ms: round(bus.consumerCpuMs),
          bus_broker_cpu_ms: round(bus.brokerCpuMs ?? NaN),
          kafkajs_client_cpu_ms: round(bare.clientCpuMs),
          kafkajs_producer_cpu_ms: round(bare.producerCpuMs),
          kafkajs_consumer_cpu_ms: round(bare.consumerCpuMs),
          kafkajs_broker_cpu_ms: round(bare.brokerCpuMs ?? NaN),
          kafkajs_same_headers_producer_cpu_ms: round(same.producerCpuMs),
          kafkajs_same_headers_consumer_cpu_ms: round(same.consumerCpuMs),
        }) +
        '\n',
    );
  } finally {
    await host.close();
    await broker.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[bench:bus] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
