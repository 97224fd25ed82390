import { env, loadConfig } from '@tapeline/config';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';

const spec = {
  ...baseServiceSpec({ grpcPort: 50057, metricsPort: 9407 }),
  httpPort: env.port('GATEWAY_PORT', 4000),
  ...symbolClientSpec(),
  /** Deadline of each gRPC call the gateway makes on behalf of a client. */
  grpcDeadlineMs: env.int('GATEWAY_GRPC_DEADLINE_MS', 2000, { min: 10, max: 60_000 }),
  bodyLimitBytes: env.int('GATEWAY_BODY_LIMIT_BYTES', 1_048_576, { min: 1024, max: 64 * 1_048_576 }),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export function loadGatewayConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('gateway', spec, source);
}
