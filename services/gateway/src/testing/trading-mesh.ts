// The trading mesh as processes, for the gateway's trading e2e test and its round-trip bench (not
// part of the service): the Kafka-protocol broker, symbol, risk, oms and the gateway.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bus } from '@tapeline/bus';
import type { ServiceName } from '@tapeline/contracts';
import { spawnBroker, type SpawnedBroker } from '@tapeline/kafka-broker';
import {
  freePort,
  grpcClient,
  serviceNodeArgs,
  startService,
  waitFor,
  type RunningProcess,
} from '@tapeline/test-kit';
import { busWithTopics, simulatedQuote } from './live-mesh';

export interface TradingMesh {
  /** http://127.0.0.1:<port> of the gateway. */
  readonly base: string;
  readonly bus: Bus;
  readonly processes: Readonly<Record<'symbol' | 'risk' | 'oms' | 'gateway', RunningProcess>>;
  /** Process id of the Kafka-protocol broker (for CPU accounting). */
  readonly brokerPid: number;
  close(): Promise<void>;
}

export interface TradingMeshOptions {
  /** Instruments risk must hold a reference price for, each quoted at `bid` (a mantissa at scale 5). */
  quotes: readonly { instrumentId: string; bid: number }[];
  /** Extra environment of every service (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
}

async function startGrpcService(
  name: ServiceName,
  env: Record<string, string>,
): Promise<{ proc: RunningProcess; addr: string }> {
  const port = await freePort();
  const proc = startService(name, {
    ...env,
    GRPC_PORT: String(port),
    METRICS_PORT: String(await freePort()),
  });
  const addr = `127.0.0.1:${port}`;
  const health = grpcClient('health', addr);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  try {
    await waitFor(
      `${name} SERVING`,
      async () => {
        if (exited) throw new Error(`${name} exited:\n${proc.lines.slice(-20).join('\n')}`);
        return (await health.call<{ status: number }>('check', { service: '' }, 1000)).status === 1;
      },
      60_000,
      100,
    );
  } finally {
    health.close();
  }
  return { proc, addr };
}

/**
 * Publishes quotes until risk takes them as reference prices: a probe order risk refuses on size
 * alone (records nothing) stops naming the price collar once it has one.
 */
async function quoteUntilRiskSees(bus: Bus, riskAddr: string, quotes: TradingMeshOptions['quotes']) {
  const risk = grpcClient('risk', riskAddr);
  let sequence = 0;
  try {
    await waitFor(
      'risk to take the quotes as reference prices',
      async () => {
        sequence++;
        await bus.publishMany(
          'quotes',
          quotes.map((q) => simulatedQuote(q.instrumentId, sequence, q.bid)),
        );
        for (const q of quotes) {
          const probe = await risk.call<{ rejections: { control: string }[] }>('checkOrder', {
            accountId: 'PROBE',
            desk: 'PROBE',
            instrumentId: q.instrumentId,
            side: 1,
            ordType: 2,
            orderQty: { mantissa: '999999999999', scale: 0 },
            price: { mantissa: String(q.bid + 1), scale: 5 },
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

export async function startTradingMesh(options: TradingMeshOptions): Promise<TradingMesh> {
  const root = await mkdtemp(path.join(tmpdir(), 'gateway-trading-'));
  const started: RunningProcess[] = [];
  let broker: SpawnedBroker | undefined;
  let bus: Bus | undefined;
  const close = async () => {
    for (const p of [...started].reverse()) p.kill('SIGTERM');
    await Promise.all(started.map((p) => p.exited));
    await bus?.close().catch(() => undefined);
    broker?.kill('SIGKILL');
    await broker?.stopped;
    await rm(root, { recursive: true, force: true });
  };
  try {
    broker = await spawnBroker({ dataDir: path.join(root, 'kafka'), nodeArgs: serviceNodeArgs('broker') });
    const brokers = `${broker.host}:${broker.port}`;
    const env = {
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PARTITIONS: '1',
      TAPELINE_DATA_DIR: root,
      ...options.env,
    };
    bus = await busWithTopics(brokers, 'gateway-trading');
    const symbol = await startGrpcService('symbol', env);
    started.push(symbol.proc);
    const risk = await startGrpcService('risk', {
      ...env,
      SYMBOL_GRPC_ADDR: symbol.addr,
      SERVICE_DATA_DIR: path.join(root, 'risk'),
    });
    started.push(risk.proc);
    await quoteUntilRiskSees(bus, risk.addr, options.quotes);
    const oms = await startGrpcService('oms', {
      ...env,
      SYMBOL_GRPC_ADDR: symbol.addr,
      RISK_GRPC_ADDR: risk.addr,
      SERVICE_DATA_DIR: path.join(root, 'oms'),
    });
    started.push(oms.proc);
    const port = await freePort();
    const gateway = startService('gateway', {
      ...env,
      LOG_LEVEL: 'info',
      GATEWAY_PORT: String(port),
      GRPC_PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      SYMBOL_GRPC_ADDR: symbol.addr,
      OMS_GRPC_ADDR: oms.addr,
      RISK_GRPC_ADDR: risk.addr,
      MARKET_DATA_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
      AGGREGATION_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
      GATEWAY_RATE_LIMIT_PER_S: '100000',
      GATEWAY_RATE_LIMIT_BURST: '100000',
    });
    started.push(gateway);
    await gateway.waitForLine(/"msg":"order updates streaming"/, 60_000);
    return {
      base: `http://127.0.0.1:${port}`,
      bus,
      processes: { symbol: symbol.proc, risk: risk.proc, oms: oms.proc, gateway },
      brokerPid: broker.pid,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
