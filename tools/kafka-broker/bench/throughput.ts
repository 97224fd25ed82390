// End-to-end throughput through the broker with kafkajs: keyed ~100-byte messages produced in
// batches by PRODUCERS processes while one process consumes them with eachBatch. The broker runs
// as its own process, as in the local mesh.
//
//   npx tsc -b tools/kafka-broker/bench && node tools/kafka-broker/dist/bench/throughput.js
//   MESSAGES=1000000 PRODUCERS=2 BATCH=500 PARTITIONS=3 VALUE_BYTES=100
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { spawnBroker } from '..';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const MESSAGES = env('MESSAGES', 1_000_000);
const PRODUCERS = env('PRODUCERS', 2);
const BATCH = env('BATCH', 500);
const PARTITIONS = env('PARTITIONS', 3);
const VALUE_BYTES = env('VALUE_BYTES', 100);
const MIN_BYTES = env('MIN_BYTES', 1);
const MAX_WAIT_MS = env('MAX_WAIT_MS', 100);
const IN_FLIGHT = 4;

type Report =
  | { role: 'producer'; sent: number; ms: number; cpuMs: number }
  | { role: 'consumer'; received: number; firstAt: number; lastAt: number; cpuMs: number };

/** CPU time of this process so far (user + system), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
}

/** CPU time of another process from /proc (Linux, 100 ticks/s), in ms; -1 where unavailable. */
function processCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Math.round((Number(fields[11]) + Number(fields[12])) * 10);
  } catch {
    return -1;
  }
}

function client(address: string): Kafka {
  return new Kafka({ clientId: 'throughput', brokers: [address], logLevel: logLevel.WARN });
}

async function produce(address: string, topic: string, from: number, count: number): Promise<Report> {
  const producer = client(address).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const keys = Array.from({ length: 1000 }, (_, i) => Buffer.from(`instrument-${i}`));
  const value = Buffer.alloc(VALUE_BYTES - 12, 'x');
  const started = Date.now();
  const inFlight: Array<Promise<unknown>> = [];
  for (let i = from; i < from + count; i += BATCH) {
    const n = Math.min(BATCH, from + count - i);
    const messages = Array.from({ length: n }, (_, j) => ({ key: keys[(i + j) % keys.length]!, value }));
    inFlight.push(producer.send({ topic, acks: -1, messages }));
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = Date.now() - started;
  await producer.disconnect();
  return { role: 'producer', sent: count, ms, cpuMs: cpuMs() };
}

async function consume(address: string, topic: string, expected: number): Promise<Report> {
  const consumer = client(address).consumer({
    groupId: `throughput-${topic}`,
    maxBytes: 64 << 20,
    maxBytesPerPartition: 8 << 20,
    // Fetches that wait for more data cost the consumer less per message than many small ones.
    minBytes: MIN_BYTES,
    maxWaitTimeInMs: MAX_WAIT_MS,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (firstAt === 0) firstAt = Date.now();
        received += batch.messages.length;
        if (received >= expected) {
          lastAt = Date.now();
          resolve();
        }
      },
    });
  });
  const cpu = cpuMs();
  await consumer.disconnect();
  return { role: 'consumer', received, firstAt, lastAt, cpuMs: cpu };
}

function runChild(args: string[]): { ready: Promise<void>; done: Promise<Report> } {
  const child = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const done = new Promise<Report>((resolve, reject) => {
    child.on('message', (m: Report | 'ready') => (m === 'ready' ? ready() : resolve(m)));
    child.on('exit', (code) => code !== 0 && reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { ready: readyP, done };
}

async function main(): Promise<void> {
  const [role, target, topicArg, a, b] = process.argv.slice(2);
  if (role === 'produce') {
    process.send!(await produce(target!, topicArg!, Number(a), Number(b)));
    return;
  }
  if (role === 'consume') {
    const report = consume(target!, topicArg!, Number(a));
    process.send!('ready');
    process.send!(await report);
    return;
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-throughput-'));
  // BROKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the broker during the run.
  const nodeArgs = process.env.BROKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const broker = await spawnBroker({ dataDir, nodeArgs, env: { KAFKA_LOG_LEVEL: 'warn' } });
  const address = `127.0.0.1:${broker.port}`;
  try {
    const topic = `throughput-${Date.now()}`;
    const admin = client(address).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    await admin.disconnect();

    const consumer = runChild(['consume', address, topic, String(MESSAGES)]);
    await consumer.ready;
    const brokerCpuBefore = processCpuMs(broker.pid);
    const started = Date.now();
    const share = Math.ceil(MESSAGES / PRODUCERS);
    const producers = Array.from(
      { length: PRODUCERS },
      (_, i) =>
        runChild([
          'produce',
          address,
          topic,
          String(i * share),
          String(Math.min(share, MESSAGES - i * share)),
        ]).done,
    );
    const sent = (await Promise.all(producers)) as Array<Extract<Report, { role: 'producer' }>>;
    const producedAt = Date.now();
    const got = (await consumer.done) as Extract<Report, { role: 'consumer' }>;
    const brokerCpuMs = processCpuMs(broker.pid) - brokerCpuBefore;
    const seconds = (got.lastAt - started) / 1000;
    console.log(
      JSON.stringify({
        messages: MESSAGES,
        producers: PRODUCERS,
        batch: BATCH,
        partitions: PARTITIONS,
        valueBytes: VALUE_BYTES,
        produceSeconds: (producedAt - started) / 1000,
        endToEndSeconds: seconds,
        endToEndMsgsPerSec: Math.round(MESSAGES / seconds),
        producerMs: sent.map((s) => s.ms),
        received: got.received,
        cpuMs: { broker: brokerCpuMs, producers: sent.map((s) => s.cpuMs), consumer: got.cpuMs },
      }),
    );
  } finally {
    broker.kill('SIGTERM');
    await broker.stopped;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
