import path from 'node:path';
import { env, loadConfig } from '@tapeline/config';
import type { ServiceName } from '@tapeline/contracts';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Default ports of the local mesh; each can be moved with the variable named beside it. */
export const SERVICE_PORTS: Record<ServiceName, { grpc: [string, number]; metrics: [string, number] }> = {
  symbol: { grpc: ['SYMBOL_GRPC_PORT', 50051], metrics: ['SYMBOL_METRICS_PORT', 9401] },
  'market-data': { grpc: ['MARKET_DATA_GRPC_PORT', 50052], metrics: ['MARKET_DATA_METRICS_PORT', 9402] },
  aggregation: { grpc: ['AGGREGATION_GRPC_PORT', 50053], metrics: ['AGGREGATION_METRICS_PORT', 9403] },
  oms: { grpc: ['OMS_GRPC_PORT', 50054], metrics: ['OMS_METRICS_PORT', 9404] },
  risk: { grpc: ['RISK_GRPC_PORT', 50055], metrics: ['RISK_METRICS_PORT', 9405] },
  strategy: { grpc: ['STRATEGY_GRPC_PORT', 50056], metrics: ['STRATEGY_METRICS_PORT', 9406] },
  gateway: { grpc: ['GATEWAY_GRPC_PORT', 50057], metrics: ['GATEWAY_METRICS_PORT', 9407] },
};

export interface ProcessPlan {
  name: string;
  script: string;
  env: Record<string, string>;
  grpcPort?: number;
  metricsPort?: number;
  /** TCP port to wait for when the process has no gRPC health service (the broker). */
  tcpPort?: number;
}

export interface MeshPlan {
  host: string;
  gatewayUrl: string;
  dataDir: string;
  logDir: string;
  kafka: string;
  readyTimeoutMs: number;
  processes: ProcessPlan[];
}

/** Reads the launcher's variables (all optional) and lays out every process of the mesh. */
export function planMesh(source: NodeJS.ProcessEnv): MeshPlan {
  const portSpec = Object.fromEntries(
    Object.values(SERVICE_PORTS).flatMap((p) => [
      [p.grpc[0], env.port(p.grpc[0], p.grpc[1])],
      [p.metrics[0], env.port(p.metrics[0], p.metrics[1])],
    ]),
  );
  const cfg = loadConfig(
    'launcher',
    {
      ...portSpec,
      GATEWAY_PORT: env.port('GATEWAY_PORT', 4000),
      KAFKA_DEV_PORT: env.port('KAFKA_DEV_PORT', 9092),
      TAPELINE_DATA_DIR: env.string('TAPELINE_DATA_DIR', path.join(REPO_ROOT, '.tapeline')),
      LOG_LEVEL: env.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'] as const, 'info'),
      TAPELINE_READY_TIMEOUT_MS: env.int('TAPELINE_READY_TIMEOUT_MS', 60_000, { min: 1000 }),
    },
    source,
  ) as Record<string, string | number>;

  const host = '127.0.0.1';
  const dataDir = path.resolve(String(cfg.TAPELINE_DATA_DIR));
  const kafka = `${host}:${cfg.KAFKA_DEV_PORT}`;
  const grpcPort = (s: ServiceName) => Number(cfg[SERVICE_PORTS[s].grpc[0]]);
  const addr = (s: ServiceName) => `${host}:${grpcPort(s)}`;
  // Each service learns where the others are; only variables it reads are set.
  const shared: Record<string, string> = {
    GRPC_HOST: host,
    LOG_LEVEL: String(cfg.LOG_LEVEL),
    KAFKA_BROKERS: kafka,
    SYMBOL_GRPC_ADDR: addr('symbol'),
    MARKET_DATA_GRPC_ADDR: addr('market-data'),
    AGGREGATION_GRPC_ADDR: addr('aggregation'),
    OMS_GRPC_ADDR: addr('oms'),
    RISK_GRPC_ADDR: addr('risk'),
    STRATEGY_GRPC_ADDR: addr('strategy'),
  };
  const services: ProcessPlan[] = (Object.keys(SERVICE_PORTS) as ServiceName[]).map((name) => ({
    name,
    script: path.join(REPO_ROOT, 'services', name, 'dist/main.js'),
    grpcPort: grpcPort(name),
    metricsPort: Number(cfg[SERVICE_PORTS[name].metrics[0]]),
    env: {
      ...shared,
      GRPC_PORT: String(grpcPort(name)),
      METRICS_PORT: String(cfg[SERVICE_PORTS[name].metrics[0]]),
      ...(name === 'gateway' ? { GATEWAY_PORT: String(cfg.GATEWAY_PORT) } : {}),
      SERVICE_DATA_DIR: path.join(dataDir, name),
    },
  }));
  const broker: ProcessPlan = {
    name: 'kafka',
    script: path.join(REPO_ROOT, 'tools/kafka-broker/dist/main.js'),
    tcpPort: Number(cfg.KAFKA_DEV_PORT),
    env: {
      KAFKA_DEV_HOST: host,
      KAFKA_DEV_PORT: String(cfg.KAFKA_DEV_PORT),
      KAFKA_DEV_DATA_DIR: path.join(dataDir, 'kafka'),
    },
  };
  return {
    host,
    gatewayUrl: `http://${host}:${cfg.GATEWAY_PORT}/graphql`,
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    kafka,
    readyTimeoutMs: Number(cfg.TAPELINE_READY_TIMEOUT_MS),
    processes: [broker, ...services],
  };
}
