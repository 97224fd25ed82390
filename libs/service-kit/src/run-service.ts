import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  Controller,
  Global,
  Inject,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type LoggerService,
  type Provider,
} from '@nestjs/common';
import { GrpcMethod, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import type { Registry } from 'prom-client';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@tapeline/config';
import {
  createLogger,
  createMetricsRegistry,
  startMetricsServer,
  type Logger,
  type MetricsServer,
  type ProcessBoot,
} from '@tapeline/telemetry';
import {
  GRPC_LOADER_OPTIONS,
  HEALTH_PROTO,
  SERVICE_CONTRACTS,
  healthV1,
  type ServiceName,
} from '@tapeline/contracts';
import { HealthRegistry, type DependencyCheck } from './health-registry';
import { GrpcExceptionFilter, grpcError } from './grpc-errors';
import { GrpcMetricsInterceptor } from './grpc-metrics';
import type { BaseServiceConfig } from './base-config';
import { CONFIG, HEALTH, LOGGER, METRICS } from './tokens';

/** What a service's module factory gets: validated config and the process-wide facilities. */
export interface ServiceContext<C extends BaseServiceConfig> {
  readonly name: ServiceName;
  readonly config: C;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly health: HealthRegistry;
}

export interface ServiceDefinition<C extends BaseServiceConfig> {
  name: ServiceName;
  /** Reads and validates the environment; throws ConfigError listing every problem. */
  loadConfig(env: NodeJS.ProcessEnv): C;
  /** The service's feature modules (controllers implementing its contract). */
  modules(ctx: ServiceContext<C>): Promise<DynamicModule[]> | DynamicModule[];
  /** Dependencies that must answer before the service reports SERVING. */
  dependencies?(ctx: ServiceContext<C>): DependencyCheck[];
  /** An HTTP front (the gateway): served by Fastify beside the gRPC server, in the same Nest app. */
  http?: { port(config: C): number; bodyLimitBytes?(config: C): number };
}

@Controller()
class HealthController {
  constructor(@Inject(HEALTH) private readonly health: HealthRegistry) {}

  @GrpcMethod('Health', 'Check')
  check(req: healthV1.HealthCheckRequest): healthV1.HealthCheckResponse {
    if (!this.health.knows(req.service)) {
      throw grpcError(GrpcStatus.NOT_FOUND, `unknown service "${req.service}"`);
    }
    return { status: toProto(this.health.current()) };
  }

  @GrpcMethod('Health', 'Watch')
  watch(req: healthV1.HealthCheckRequest): Observable<healthV1.HealthCheckResponse> {
    return new Observable((sub) => {
      if (!this.health.knows(req.service)) {
        sub.next({ status: healthV1.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN });
        return undefined;
      }
      sub.next({ status: toProto(this.health.current()) });
      // Watch streams end at shutdown, otherwise a graceful drain would wait on them forever.
      return this.health.onChange((s) => {
        sub.next({ status: toProto(s) });
        if (this.health.isShuttingDown()) sub.complete();
      });
    });
  }
}

function toProto(s: 'SERVING' | 'NOT_SERVING'): healthV1.HealthCheckResponse_ServingStatus {
  return s === 'SERVING'
    ? healthV1.HealthCheckResponse_ServingStatus.SERVING
    : healthV1.HealthCheckResponse_ServingStatus.NOT_SERVING;
}

/** Routes Nest's own log lines into the service's JSON log. */
class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

/**
 * Boots one service of the mesh: validated config (exit 1 listing every problem), JSON logs,
 * /metrics, the gRPC server with its contract and grpc.health.v1, and a graceful SIGTERM:
 * NOT_SERVING, stop accepting, drain in-flight calls, exit, all within SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<C extends BaseServiceConfig>(
  def: ServiceDefinition<C>,
  boot: ProcessBoot,
): Promise<void> {
  const { tracing } = boot;
  let config: C;
  try {
    config = def.loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      await tracing.shutdown().catch(() => undefined);
      process.exit(1);
    }
    throw err;
  }

  const logger = createLogger(def.name, config.logLevel);
  const metrics = createMetricsRegistry(def.name);
  const contract = SERVICE_CONTRACTS[def.name];
  const health = new HealthRegistry([`${contract.package}.${contract.service}`], logger);
  const ctx: ServiceContext<C> = { name: def.name, config, logger, metrics, health };
  for (const dep of def.dependencies?.(ctx) ?? []) health.addDependency(dep);

  const shared: Provider[] = [
    { provide: CONFIG, useValue: config },
    { provide: LOGGER, useValue: logger },
    { provide: METRICS, useValue: metrics },
    { provide: HEALTH, useValue: health },
  ];
  @Global()
  @Module({ providers: shared, exports: shared.map((p) => (p as { provide: symbol }).provide) })
  class KitModule {}
  let featureModules: DynamicModule[];
  try {
    featureModules = await def.modules(ctx);
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    logger.flush();
    process.exit(1);
  }
  @Module({ imports: [KitModule, ...featureModules], controllers: [HealthController] })
  class ServiceModule {}

  let metricsServer: MetricsServer | undefined;
  const grpcOptions: MicroserviceOptions = {
    transport: Transport.GRPC,
    options: {
      url: `${config.grpcHost}:${config.grpcPort}`,
      package: [contract.package, 'grpc.health.v1'],
      protoPath: [contract.proto, HEALTH_PROTO],
      loader: GRPC_LOADER_OPTIONS,
      gracefulShutdown: true,
    },
  };
  const nestLogger = new NestPinoLogger(logger);
  let app: INestApplicationContext & { close(): Promise<void> };
  let listen: () => Promise<void>;
  if (def.http) {
    const http = def.http;
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const web = await NestFactory.create<NestFastifyApplication>(
      ServiceModule,
      new FastifyAdapter({ bodyLimit: http.bodyLimitBytes?.(config) ?? 1_048_576, logger: false }),
      { logger: nestLogger, abortOnError: false },
    );
    // The HTTP service's own gRPC surface is health only; its HTTP API has its own error handling,
    // so the RPC filter and metrics interceptor (which would also see HTTP calls) stay off here.
    web.connectMicroservice<MicroserviceOptions>(grpcOptions);
    app = web;
    listen = async () => {
      await web.startAllMicroservices();
      await web.listen(http.port(config), config.grpcHost);
    };
  } else {
    const micro = await NestFactory.createMicroservice<MicroserviceOptions>(ServiceModule, {
      logger: nestLogger,
      abortOnError: false,
      ...grpcOptions,
    });
    micro.useGlobalFilters(new GrpcExceptionFilter(logger));
    micro.useGlobalInterceptors(new GrpcMetricsInterceptor(metrics, logger));
    app = micro;
    listen = () => micro.listen();
  }

  let stopping: Promise<void> | undefined;
  let startup: Promise<void> = Promise.resolve();
  const stop = (signal: string) => {
    stopping ??= (async () => {
      // A signal during startup waits for it to settle: closing a half-started app races it.
      await startup.catch(() => undefined);
      const started = Date.now();
      logger.info({ signal }, 'shutting down: draining in-flight work');
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
        logger.flush();
        process.exit(1);
      }, config.shutdownTimeoutMs);
      deadline.unref();
      health.markShuttingDown();
      await app.close();
      await metricsServer?.close();
      await tracing.shutdown().catch(() => undefined);
      logger.info({ elapsedMs: Date.now() - started }, 'stopped');
      clearTimeout(deadline);
      // Exit explicitly: client channels and the launcher's IPC channel would keep the loop alive.
      logger.flush(() => process.exit(0));
    })();
  };
  boot.handleSignals(stop);

  startup = (async () => {
    metricsServer = await startMetricsServer(metrics, config.metricsPort, config.grpcHost);
    await listen();
  })();
  try {
    await startup;
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    logger.flush();
    process.exit(1);
  }
  if (stopping) return;
  logger.info(
    {
      grpc: `${config.grpcHost}:${config.grpcPort}`,
      metrics: config.metricsPort,
      ...(def.http ? { http: `${config.grpcHost}:${def.http.port(config)}` } : {}),
    },
    'listening',
  );
  await health.start();
}

export type { DynamicModule };
