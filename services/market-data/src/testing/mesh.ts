// What the market-data e2e tests start: our Kafka-protocol broker (in the test process), the
// symbol service and market-data (real processes from their build output), and a bus client
// that collects what market-data publishes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBus, type Bus, type TopicPayloads } from '@tapeline/bus';
import { silentLogger, startBroker } from '@tapeline/kafka-broker';
import {
  freePort,
  grpcClient,
  REPO_ROOT,
  startService,
  waitFor,
  type RunningProcess,
} from '@tapeline/test-kit';

export type GrpcClient = ReturnType<typeof grpcClient>;

export const FIXTURE = path.join(REPO_ROOT, 'libs/market/fixtures/sim-ticks.ndjson');

export function tempDir(prefix: string): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Kafka {
  readonly brokers: string;
  close(): Promise<void>;
}

export async function startKafka(dataDir: string): Promise<Kafka> {
  const broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir, logger: silentLogger });
  return { brokers: broker.address, close: () => broker.close() };
}

export interface ServiceUnderTest {
  readonly proc: RunningProcess;
  readonly address: string;
  readonly metricsPort: number;
  readonly health: GrpcClient;
  stop(): Promise<{ code: number | null }>;
}

async function start(
  name: 'symbol' | 'market-data',
  env: Record<string, string>,
  port?: number,
): Promise<ServiceUnderTest> {
  const grpcPort = port ?? (await freePort());
  const metricsPort = await freePort();
  const proc = startService(name, { GRPC_PORT: String(grpcPort), METRICS_PORT: String(metricsPort), ...env });
  const address = `127.0.0.1:${grpcPort}`;
  const health = grpcClient('health', address);
  return {
    proc,
    address,
    metricsPort,
    health,
    async stop() {
      health.close();
      proc.kill('SIGTERM');
      return proc.exited;
    },
  };
}

export function startSymbol(port?: number): Promise<ServiceUnderTest> {
  return start('symbol', {}, port);
}

/** market-data with its own chDB directory and topic prefix; `env` adds or overrides. */
export function startMarketData(
  kafka: Kafka,
  symbolAddress: string,
  dataDir: string,
  env: Record<string, string>,
): Promise<ServiceUnderTest> {
  return start('market-data', {
    KAFKA_BROKERS: kafka.brokers,
    SYMBOL_GRPC_ADDR: symbolAddress,
    MARKET_DATA_CHDB_DIR: path.join(dataDir, 'chdb'),
    MARKET_DATA_HISTORY_LINGER_MS: '50',
    LOG_LEVEL: 'warn',
    ...env,
  });
}

export async function servingStatus(svc: ServiceUnderTest): Promise<number> {
  return (await svc.health.call<{ status: number }>('check', { service: '' })).status;
}

export function waitServing(svc: ServiceUnderTest, timeoutMs = 30_000): Promise<true> {
  return waitFor(`${svc.address} SERVING`, async () => (await servingStatus(svc)) === 1, timeoutMs);
}

type MarketTopic = 'trades' | 'quotes' | 'depth' | 'alerts';

/** Everything market-data publishes, per topic, in the order each partition delivered it. */
export interface Collected {
  readonly events: { [T in MarketTopic]: TopicPayloads[T][] };
  close(): Promise<void>;
}

export async function collectTopics(kafka: Kafka, prefix = ''): Promise<Collected> {
  const bus: Bus = createBus(
    {
      brokers: [kafka.brokers],
      clientId: 'market-data-e2e',
      topicPrefix: prefix,
      ssl: false,
      topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 },
    },
    { info: () => undefined, warn: () => undefined, error: () => undefined },
  );
  const events: Collected['events'] = { trades: [], quotes: [], depth: [], alerts: [] };
  const topics: MarketTopic[] = ['trades', 'quotes', 'depth', 'alerts'];
  await bus.ensureTopics();
  await bus.consume({
    groupId: `market-data-e2e-${process.pid}-${Date.now()}`,
    topics,
    fromBeginning: true,
    handler: async (e) => {
      (events[e.topic] as unknown[]).push(e.value);
    },
  });
  return { events, close: () => bus.close() };
}

/** What one e2e file runs: the broker and collector at once, the services as the tests start them. */
export class TestMesh {
  symbol: ServiceUnderTest | undefined;
  md: ServiceUnderTest | undefined;
  client: GrpcClient | undefined;

  private constructor(
    readonly dir: { path: string; remove(): void },
    readonly kafka: Kafka,
    readonly collected: Collected,
  ) {}

  static async start(prefix: string): Promise<TestMesh> {
    const dir = tempDir(prefix);
    const kafka = await startKafka(path.join(dir.path, 'kafka'));
    return new TestMesh(dir, kafka, await collectTopics(kafka));
  }

  /** market-data against this mesh's broker and the given symbol address (default: its symbol service). */
  async startMarketData(env: Record<string, string>, symbolAddress?: string): Promise<ServiceUnderTest> {
    this.md = await startMarketData(this.kafka, symbolAddress ?? this.symbol!.address, this.dir.path, env);
    return this.md;
  }

  /** The gRPC client of the running market-data, once it is SERVING. */
  async serving(): Promise<GrpcClient> {
    await waitServing(this.md!);
    this.client = grpcClient('market-data', this.md!.address);
    return this.client;
  }

  async close(): Promise<void> {
    this.client?.close();
    await this.md?.stop();
    await this.symbol?.stop();
    await this.collected.close();
    await this.kafka.close();
    this.dir.remove();
  }
}

/** Every page of a ListTrades/ListQuotes call, and the next_page_token each page gave. */
export async function listAll<T>(
  client: GrpcClient,
  method: 'listTrades' | 'listQuotes',
  req: object,
  key: 'trades' | 'quotes',
  pageSize: number,
): Promise<{ rows: T[]; tokens: string[] }> {
  const rows: T[] = [];
  const tokens: string[] = [];
  let pageToken = '';
  do {
    const res = await client.call<Record<string, unknown> & { pageInfo: { nextPageToken: string } }>(method, {
      ...req,
      page: { pageSize, pageToken },
    });
    rows.push(...(res[key] as T[]));
    pageToken = res.pageInfo.nextPageToken;
    tokens.push(pageToken);
  } while (pageToken);
  return { rows, tokens };
}
