// What the e2e tests share: a broker and the symbol service, aggregation processes, a test bus.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBus, type Bus, type BusLogger, type EventConsumer } from '@tapeline/bus';
import type { eventsV1 } from '@tapeline/contracts';
import { silentLogger, startBroker } from '@tapeline/kafka-broker';
import { freePort, grpcClient, startService, waitFor, type RunningProcess } from '@tapeline/test-kit';

const quiet: BusLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface Mesh {
  brokers: string;
  symbolAddr: string;
  close(): Promise<void>;
}

/** An in-process broker and the symbol service (with its seed) as a process. */
export async function startMesh(): Promise<Mesh> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'agg-e2e-kafka-'));
  const broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir, logger: silentLogger });
  const grpcPort = await freePort();
  const symbol = startService('symbol', {
    GRPC_PORT: String(grpcPort),
    METRICS_PORT: String(await freePort()),
  });
  const health = grpcClient('health', `127.0.0.1:${grpcPort}`);
  await waitFor(
    'symbol SERVING',
    async () => (await health.call<{ status: number }>('check', { service: '' })).status === 1,
  );
  health.close();
  return {
    brokers: `${broker.host}:${broker.port}`,
    symbolAddr: `127.0.0.1:${grpcPort}`,
    async close() {
      symbol.kill();
      await symbol.exited;
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let prefixes = 0;
export function uniquePrefix(): string {
  return `agg${process.pid}-${++prefixes}-${Date.now().toString(36)}.`;
}

export function testBus(brokers: string, prefix: string): Bus {
  return createBus(
    {
      brokers: [brokers],
      clientId: 'aggregation-e2e',
      topicPrefix: prefix,
      ssl: false,
      topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 },
    },
    quiet,
    { connectionTimeoutMs: 2000 },
  );
}

export interface AggregationProcess {
  proc: RunningProcess;
  grpcPort: number;
  client: ReturnType<typeof grpcClient>;
  /** SIGKILL and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** One aggregation process on the given topics and data directory, SERVING when this resolves. */
export async function startAggregation(
  mesh: Mesh,
  prefix: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<AggregationProcess> {
  const grpcPort = await freePort();
  const proc = startService('aggregation', {
    GRPC_PORT: String(grpcPort),
    METRICS_PORT: String(await freePort()),
    SYMBOL_GRPC_ADDR: mesh.symbolAddr,
    KAFKA_BROKERS: mesh.brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '3',
    AGGREGATION_CHDB_DIR: path.join(dataDir, 'chdb'),
    AGGREGATION_STATE_DIR: path.join(dataDir, 'state'),
    AGGREGATION_BAR_TYPES: '1s,1m,tick:3',
    AGGREGATION_CHECKPOINT_INTERVAL_MS: '300',
    ...env,
  });
  const health = grpcClient('health', `127.0.0.1:${grpcPort}`);
  try {
    await waitFor(
      'aggregation SERVING',
      async () => (await health.call<{ status: number }>('check', { service: '' })).status === 1,
      45_000,
    );
    await proc.waitForLine(/consuming market topics/, 30_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${proc.lines.slice(-30).join('\n')}`, { cause: err });
  } finally {
    health.close();
  }
  const client = grpcClient('aggregation', `127.0.0.1:${grpcPort}`);
  return {
    proc,
    grpcPort,
    client,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      client.close();
      proc.kill(signal);
      await proc.exited;
    },
  };
}

/** Collects the `bars` topic: every closed bar with when it arrived. */
export class BarsTap {
  readonly closed: { bar: eventsV1.BarEvent; at: number }[] = [];
  readonly forming: eventsV1.BarEvent[] = [];
  private consumer: EventConsumer | undefined;

  constructor(private readonly bus: Bus) {}

  async start(): Promise<void> {
    this.consumer = await this.bus.consume({
      groupId: `tap-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
      topics: ['bars'],
      fromBeginning: true,
      maxWaitTimeMs: 100,
      handler: (e) => {
        if (e.value.closed) this.closed.push({ bar: e.value, at: Date.now() });
        else this.forming.push(e.value);
      },
    });
  }

  of(instrumentId: string, barType: string): eventsV1.BarEvent[] {
    return this.closed
      .filter((c) => c.bar.instrumentId === instrumentId && c.bar.barType === barType)
      .map((c) => c.bar);
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}

export function tempDir(label: string): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `agg-e2e-${label}-`));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A trade of `trades`; prices and sizes are mantissas at the instrument's scales. */
export function trade(
  instrumentId: string,
  sequence: number,
  timeMicros: number,
  price: number,
  size: number,
  aggressorSide: 1 | 2,
  scales: { priceScale: number; sizeScale: number } = { priceScale: 2, sizeScale: 0 },
): eventsV1.TradeEvent {
  return {
    instrumentId,
    venue: 'XNAS',
    sequence: String(sequence),
    tradeId: `T${sequence}`,
    ...scales,
    price: String(price),
    size: String(size),
    aggressorSide,
    exchangeTimeMicros: String(timeMicros),
    receiveTimeMicros: String(timeMicros),
    publishTimeMicros: String(timeMicros),
  };
}
