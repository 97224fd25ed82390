// The processes an oms e2e test needs, each a real service: the Kafka-protocol broker and symbol
// (shared), then per "stack" a risk service and an oms on their own topic prefix, so that
// stacks in one test file never see each other's orders, executions or journal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBus, createStderrLogger, parseBusConfig, type Bus } from '@tapeline/bus';
import { spawnBroker, type SpawnedBroker } from '@tapeline/kafka-broker';
import { freePort, grpcClient, startService, waitFor, type RunningProcess } from '@tapeline/test-kit';

export interface Mesh {
  readonly root: string;
  readonly broker: SpawnedBroker;
  readonly env: Record<string, string>;
  close(): Promise<void>;
  /** A risk service and a test bus on their own topic prefix, with the quotes risk needs. */
  stack(prefix: string, quotes: readonly TestQuote[]): Promise<Stack>;
}

export interface Stack {
  readonly prefix: string;
  readonly riskAddr: string;
  readonly risk: RunningProcess;
  /** The test's own bus client on the stack's prefix. */
  readonly bus: Bus;
  readonly env: Record<string, string>;
}

export interface OmsProcess {
  readonly proc: RunningProcess;
  readonly addr: string;
  readonly client: ReturnType<typeof grpcClient>;
  /** SIGTERM (graceful) or SIGKILL; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A top of book the test's market shows for an instrument (mantissas at its price scale). */
export interface TestQuote {
  readonly instrumentId: string;
  readonly priceScale: number;
  readonly bid: bigint;
  readonly ask: bigint;
}

async function serving(name: string, addr: string, proc: RunningProcess, timeoutMs = 60_000): Promise<void> {
  const health = grpcClient('health', addr);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  try {
    await waitFor(
      `${name} SERVING`,
      async () => {
        if (exited) throw new Error(`${name} exited`);
        return (await health.call<{ status: number }>('check', { service: '' }, 1000)).status === 1;
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- ${name} output ---\n${proc.lines.slice(-30).join('\n')}`,
      {
        cause: err,
      },
    );
  } finally {
    health.close();
  }
}

async function start(
  name: 'symbol' | 'risk' | 'oms',
  env: Record<string, string>,
): Promise<{ proc: RunningProcess; addr: string }> {
  const port = await freePort();
  const proc = startService(name, {
    ...env,
    GRPC_PORT: String(port),
    METRICS_PORT: String(await freePort()),
  });
  const addr = `127.0.0.1:${port}`;
  await serving(name, addr, proc);
  return { proc, addr };
}

/**
 * Publishes quotes until risk has a reference price for each instrument (risk reads quotes from
 * the moment it joined), probing with an order risk refuses on quantity alone, which records nothing.
 */
async function publishQuotesUntilRiskSees(
  bus: Bus,
  riskAddr: string,
  quotes: readonly TestQuote[],
): Promise<void> {
  const risk = grpcClient('risk', riskAddr);
  let sequence = 0;
  try {
    await waitFor(
      'risk to take the test quotes as reference prices',
      async () => {
        const now = String(Date.now() * 1000);
        await bus.publishMany(
          'quotes',
          quotes.map((q) => ({
            instrumentId: q.instrumentId,
            venue: 'TEST',
            sequence: String(++sequence),
            priceScale: q.priceScale,
            sizeScale: 0,
            bidPrice: q.bid.toString(),
            bidSize: '100',
            askPrice: q.ask.toString(),
            askSize: '100',
            exchangeTimeMicros: now,
            receiveTimeMicros: now,
            publishTimeMicros: now,
          })),
        );
        for (const q of quotes) {
          const probe = await risk.call<{ rejections: { control: string }[] }>('checkOrder', {
            accountId: 'PROBE',
            desk: 'PROBE',
            instrumentId: q.instrumentId,
            side: 1,
            ordType: 2,
            orderQty: { mantissa: '999999999', scale: 0 },
            price: { mantissa: ((q.bid + q.ask) / 2n).toString(), scale: q.priceScale },
            clOrdId: `probe-${sequence}`,
          });
          if (probe.rejections.some((r) => r.control === 'price_collar')) return false;
        }
        return true;
      },
      30_000,
      300,
    );
  } finally {
    risk.close();
  }
}

export async function startMesh(): Promise<Mesh> {
  const root = mkdtempSync(path.join(tmpdir(), 'oms-e2e-'));
  const broker = await spawnBroker({ dataDir: path.join(root, 'kafka') });
  const base = {
    LOG_LEVEL: process.env.OMS_TEST_LOG_LEVEL ?? 'warn',
    KAFKA_BROKERS: `${broker.host}:${broker.port}`,
    KAFKA_TOPIC_PARTITIONS: '1',
    TAPELINE_DATA_DIR: root,
  };
  const symbol = await start('symbol', base);
  const env = { ...base, SYMBOL_GRPC_ADDR: symbol.addr };
  const processes: RunningProcess[] = [symbol.proc];
  const buses: Bus[] = [];
  return {
    root,
    broker,
    env,
    async stack(prefix, quotes) {
      const stackEnv = { ...env, KAFKA_TOPIC_PREFIX: prefix };
      const risk = await start('risk', { ...stackEnv, SERVICE_DATA_DIR: path.join(root, `risk-${prefix}`) });
      processes.push(risk.proc);
      const parsed = parseBusConfig({ ...stackEnv, KAFKA_CLIENT_ID: `oms-e2e-${prefix}` });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      const bus = createBus(parsed.config, createStderrLogger('oms-e2e', 'error'));
      buses.push(bus);
      await bus.ensureTopics();
      await publishQuotesUntilRiskSees(bus, risk.addr, quotes);
      return {
        prefix,
        riskAddr: risk.addr,
        risk: risk.proc,
        bus,
        env: { ...stackEnv, RISK_GRPC_ADDR: risk.addr },
      };
    },
    async close() {
      await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
      for (const p of processes) p.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      broker.kill('SIGKILL');
      await broker.stopped;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * An oms of a stack on its own chDB directory, its write-ahead log beside it in `<chdbDir>-wal`
 * (the same directory again restarts it on its journal).
 */
export async function startOms(
  stack: Stack,
  chdbDir: string,
  env: Record<string, string> = {},
): Promise<OmsProcess> {
  // At info: the tests read the oms's account of its start (rebuild, recovery) from its log.
  const { proc, addr } = await start('oms', {
    ...stack.env,
    LOG_LEVEL: 'info',
    OMS_CHDB_DIR: chdbDir,
    OMS_WAL_DIR: `${chdbDir}-wal`,
    ...env,
  });
  const client = grpcClient('oms', addr);
  return {
    proc,
    addr,
    client,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      client.close();
      proc.kill(signal);
      await proc.exited;
    },
  };
}
