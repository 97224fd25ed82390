import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { loadConfig, type ConfigOf, type ConfigSpec, type Env } from '@tapeline/config';
import { createBus, parseBusConfig, type Bus, type BusConfig } from '@tapeline/bus';
import type { Logger } from '@tapeline/telemetry';
import type { DependencyCheck } from './health-registry';
import { BUS } from './tokens';

/**
 * loadConfig for a service that uses the bus: the KAFKA_* variables are validated with the
 * service's own, so a bad broker list and a bad port are reported together at boot.
 */
export function loadConfigWithBus<S extends ConfigSpec>(
  service: string,
  spec: S,
  source: Env,
): ConfigOf<S> & { bus: BusConfig } {
  // Each service is its own Kafka client id unless the deployment says otherwise.
  const parsed = parseBusConfig({ KAFKA_CLIENT_ID: `tapeline-${service}`, ...source });
  const config = loadConfig(service, spec, source, () => (parsed.ok ? [] : parsed.problems));
  if (!parsed.ok) throw new Error('unreachable: bus problems are reported by loadConfig');
  return { ...config, bus: parsed.config };
}

/** The broker must answer before the service reports SERVING. */
export function busDependency(bus: Bus): DependencyCheck {
  return {
    name: 'kafka',
    check: async () => {
      await bus.connect();
      if (!bus.isHealthy()) throw new Error(`bus unhealthy: ${JSON.stringify(bus.health())}`);
    },
  };
}

class BusLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  // Consumers finish their batch and commit, pending produce batches are flushed, then disconnect.
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close().catch((err: unknown) => this.logger.error({ err }, 'bus close failed'));
  }
}

/** Creates the service's bus and provides it under BUS; it is closed when the app closes. */
export function busModule(config: BusConfig, logger: Logger): { bus: Bus; module: DynamicModule } {
  const bus = createBus(config, logger);
  @Global()
  @Module({})
  class BusModule {}
  return {
    bus,
    module: {
      module: BusModule,
      providers: [
        { provide: BUS, useValue: bus },
        { provide: BusLifecycle, useFactory: () => new BusLifecycle(bus, logger) },
      ],
      exports: [BUS],
    },
  };
}
