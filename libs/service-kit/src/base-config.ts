import { env, type EnvVar } from '@tapeline/config';

/** Variables every service reads; each service adds its own beside them. */
export function baseServiceSpec(defaults: { grpcPort: number; metricsPort: number }): {
  grpcHost: EnvVar<string>;
  grpcPort: EnvVar<number>;
  metricsPort: EnvVar<number>;
  logLevel: EnvVar<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'>;
  shutdownTimeoutMs: EnvVar<number>;
} {
  return {
    grpcHost: env.string('GRPC_HOST', '0.0.0.0'),
    grpcPort: env.port('GRPC_PORT', defaults.grpcPort),
    metricsPort: env.port('METRICS_PORT', defaults.metricsPort),
    logLevel: env.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info'),
    // Kubernetes sends SIGKILL 30 s after SIGTERM by default; we promise to be gone within 10 s.
    shutdownTimeoutMs: env.int('SHUTDOWN_TIMEOUT_MS', 8000, { min: 100, max: 9500 }),
  };
}

export interface BaseServiceConfig {
  grpcHost: string;
  grpcPort: number;
  metricsPort: number;
  logLevel: string;
  shutdownTimeoutMs: number;
}

/** For services that resolve instruments through the symbol service (every one but symbol). */
export function symbolClientSpec(): { symbolAddr: EnvVar<string> } {
  return { symbolAddr: env.hostPort('SYMBOL_GRPC_ADDR', '127.0.0.1:50051') };
}
