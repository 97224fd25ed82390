import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { CONFIG, HEALTH, HealthRegistry, LOGGER, METRICS } from '@tapeline/service-kit';
import { createLogger, createMetricsRegistry, type Logger } from '@tapeline/telemetry';
import { loadGatewayConfig } from './config';
import { gatewayModules } from './gateway.service';

/**
 * The gateway's HTTP application in this process, without its gRPC server, bus or process
 * handling: for printing the schema and for in-process tests. `app.listen(0)` serves it.
 */
export async function createGatewayApp(
  env: NodeJS.ProcessEnv = {},
  logger: Logger = createLogger('gateway', 'fatal'),
): Promise<NestFastifyApplication> {
  // The bus is left out, but its variables are still validated: supply a placeholder.
  const config = loadGatewayConfig({ KAFKA_BROKERS: '127.0.0.1:9', ...env });
  const metrics = createMetricsRegistry('gateway');
  const health = new HealthRegistry([], logger);
  const shared = [
    { provide: CONFIG, useValue: config },
    { provide: LOGGER, useValue: logger },
    { provide: METRICS, useValue: metrics },
    { provide: HEALTH, useValue: health },
  ];
  @Global()
  @Module({ providers: shared, exports: shared.map((p) => p.provide) })
  class KitModule {}
  const modules = await gatewayModules({ config, logger, health, metrics }, { live: false });
  @Module({ imports: [KitModule, ...modules] })
  class GatewayApp {}
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayApp,
    new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, logger: false }),
    { logger: false, abortOnError: false },
  );
  await app.init();
  return app;
}
