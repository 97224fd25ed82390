// The workload of bench/bus.bench.ts and its producing side, shared by the main thread and the
// producer worker (bench/quote-producer.ts): the same events, keys and send pattern either way.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { eventsV1 } from '@tapeline/contracts';
import { createBus, createStderrLogger, type BusConfig } from '../src';

// ISIN-style instrument ids: realistic key length (17 bytes).
export const INSTRUMENTS = Array.from(
  { length: 50 },
  (_, i) => `US${String(37_833_100 + i * 7919).padStart(10, '0')}.XNAS`,
);
export const CHUNK = 1000; // events per publishMany
export const WINDOW = 20; // publishMany calls outstanding at once (backpressure for the bench loop)
/** The schema header the bus puts on every QuoteEvent: name and version in one value. */
export const SCHEMA_HEADERS = { 'event-schema': 'tapeline.events.v1.QuoteEvent;v=1' } as const;

/** What a producer run needs; plain data, so it can be posted to a worker. */
export interface ProduceSpec {
  kind: 'bus' | 'kafkajs' | 'kafkajs+headers';
  address: string;
  /** Physical topic (kafkajs runs) or the bus topic prefix (bus runs: `<prefix>quotes`). */
  topic: string;
  count: number;
  partitions: number;
  /** Messages per produce request: the bus's batchSize, and bare kafkajs' sendBatch size. */
  batch: number;
}

/** utime + stime from a /proc stat file (a process's or a thread's), in ms; null without /proc. */
export function procCpuMs(statFile: string): number | null {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks are 100 Hz
  } catch {
    return null;
  }
}

/** CPU time of the calling thread (main or worker) so far, in ms; NaN without /proc. */
export function threadCpuMs(): number {
  return procCpuMs('/proc/thread-self/stat') ?? NaN;
}

/** A connected producer, waiting for go(); produced() counts acknowledged messages. */
export interface ReadyProducer {
  /** Produces spec.count messages; resolves with the CPU time the producing thread spent. */
  go(): Promise<number>;
  produced(): number;
}

// A pool of distinct events, reused cyclically: building 1M objects up front would measure the
// garbage collector, not the bus. The bus encodes each event at publish time.
export function quotePool(size: number): eventsV1.QuoteEvent[] {
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

export function busConfig(address: string, topicPrefix: string, partitions: number): BusConfig {
  return {
    brokers: [address],
    clientId: 'bench-bus',
    topicPrefix,
    ssl: false,
    topics: { partitions, replicationFactor: 1, retentionMs: 3_600_000 },
  };
}

export function prepareProducer(spec: ProduceSpec, pool: eventsV1.QuoteEvent[]): Promise<ReadyProducer> {
  return spec.kind === 'bus' ? prepareBus(spec, pool) : prepareKafkajs(spec, pool);
}

async function prepareBus(spec: ProduceSpec, pool: eventsV1.QuoteEvent[]): Promise<ReadyProducer> {
  const bus = createBus(
    busConfig(spec.address, spec.topic, spec.partitions),
    createStderrLogger('bench-bus', 'warn'),
    { producer: { lingerMs: 5, batchSize: spec.batch, maxBatchBytes: 4 * 1024 * 1024 } },
  );
  await bus.connect();
  let produced = 0;
  const go = async (): Promise<number> => {
    const cpu0 = threadCpuMs();
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < spec.count; i += CHUNK) {
      const n = Math.min(CHUNK, spec.count - i);
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
    const cpu = threadCpuMs() - cpu0;
    await bus.close();
    return cpu;
  };
  return { go, produced: () => produced };
}

// Same producer guarantees as the bus (idempotent, acks -1, one request in flight), with the
// payloads and keys encoded before the clock starts. kafkajs+headers adds the schema header
// the bus puts on every message (as constant Buffers), so that run has the bus's wire format.
async function prepareKafkajs(spec: ProduceSpec, pool: eventsV1.QuoteEvent[]): Promise<ReadyProducer> {
  const values = pool.map((q) => Buffer.from(eventsV1.QuoteEvent.encode(q).finish()));
  const keys = pool.map((q) => Buffer.from(q.instrumentId));
  const headers = {
    'event-schema': Buffer.from(SCHEMA_HEADERS['event-schema']),
  };
  const withHeaders = spec.kind === 'kafkajs+headers';
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [spec.address], logLevel: logLevel.ERROR });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let produced = 0;
  const go = async (): Promise<number> => {
    const cpu0 = threadCpuMs();
    const { topic, count, batch } = spec;
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
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
    const cpu = threadCpuMs() - cpu0;
    await producer.disconnect();
    return cpu;
  };
  return { go, produced: () => produced };
}
