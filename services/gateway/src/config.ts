import { env, loadConfig } from '@tapeline/config';
import { parseBusConfig, type BusConfig } from '@tapeline/bus';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';
import { authSpec, readAuthSettings, type AuthSettings } from './auth/auth.config';

const spec = {
  ...baseServiceSpec({ grpcPort: 50057, metricsPort: 9407 }),
  httpPort: env.port('GATEWAY_PORT', 4000),
  ...symbolClientSpec(),
  marketDataAddr: env.hostPort('MARKET_DATA_GRPC_ADDR', '127.0.0.1:50052'),
  aggregationAddr: env.hostPort('AGGREGATION_GRPC_ADDR', '127.0.0.1:50053'),
  // Read now so that a deployment sets them once; the order and risk fields arrive with the OMS.
  omsAddr: env.hostPort('OMS_GRPC_ADDR', '127.0.0.1:50054'),
  riskAddr: env.hostPort('RISK_GRPC_ADDR', '127.0.0.1:50055'),
  /** Deadline of each gRPC call the gateway makes on behalf of a client. */
  grpcDeadlineMs: env.int('GATEWAY_GRPC_DEADLINE_MS', 2000, { min: 10, max: 60_000 }),
  bodyLimitBytes: env.int('GATEWAY_BODY_LIMIT_BYTES', 1_048_576, { min: 1024, max: 64 * 1_048_576 }),
  /** Deepest selection nesting a document may have (introspection fields excepted). */
  maxQueryDepth: env.int('GATEWAY_MAX_QUERY_DEPTH', 10, { min: 2, max: 100 }),
  /** Cost a document may have: 1 per field, times the page size of list arguments below it. */
  maxQueryComplexity: env.int('GATEWAY_MAX_QUERY_COMPLEXITY', 5000, { min: 10, max: 10_000_000 }),
  /** Token bucket per client (token subject, or address when unauthenticated): refill per second. */
  rateLimitPerSecond: env.int('GATEWAY_RATE_LIMIT_PER_S', 100, { min: 1, max: 1_000_000 }),
  rateLimitBurst: env.int('GATEWAY_RATE_LIMIT_BURST', 200, { min: 1, max: 10_000_000 }),
  rateLimitRedisPrefix: env.string('GATEWAY_RATE_LIMIT_REDIS_PREFIX', 'tapeline:gateway:rate:'),
  maxConnections: env.int('GATEWAY_MAX_WS_CONNECTIONS', 10_000, { min: 1, max: 1_000_000 }),
  maxSubscriptionsPerConnection: env.int('GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, {
    min: 1,
    max: 100_000,
  }),
  /** A socket that sent no connection_init within this is closed (4408, graphql-transport-ws). */
  connectionInitTimeoutMs: env.int('GATEWAY_WS_INIT_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
  /** A subscription writes to its socket only while the socket's send buffer is below this. */
  wsSendBufferBytes: env.int('GATEWAY_WS_SEND_BUFFER_BYTES', 262_144, { min: 1024, max: 64 * 1_048_576 }),
  /** Pending depth diffs per instrument and subscriber before they are replaced by a fresh snapshot. */
  depthDiffsPerSubscription: env.int('GATEWAY_DEPTH_DIFFS_PER_SUBSCRIPTION', 256, { min: 1, max: 100_000 }),
  /**
   * `quote` answers from the newest quote this gateway consumed while its feed is live (no gRPC
   * round trip); false: always ask market-data's GetQuote.
   */
  quotesFromFeed: env.bool('GATEWAY_QUOTES_FROM_FEED', true),
  /** Recent alerts kept per instrument for the `alerts` query (the `alerts` topic, this replica). */
  alertsPerInstrument: env.int('GATEWAY_ALERTS_PER_INSTRUMENT', 100, { min: 1, max: 100_000 }),
  ...authSpec,
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

/**
 * The gateway's variables, its identity settings and the KAFKA_* bus variables, validated together
 * so that one message lists every problem.
 */
export function loadGatewayConfig(source: NodeJS.ProcessEnv) {
  let auth: AuthSettings | undefined;
  const bus = parseBusConfig({ KAFKA_CLIENT_ID: 'tapeline-gateway', ...source });
  const config = loadConfig('gateway', spec, source, (partial) => {
    const read = readAuthSettings(partial);
    auth = read.settings;
    return [...read.problems, ...(bus.ok ? [] : bus.problems)];
  });
  return { ...config, auth: auth!, bus: (bus as { config: BusConfig }).config };
}
