import { Counter } from 'prom-client';
import {
  busDependency,
  busModule,
  grpcServiceDependency,
  type ServiceContext,
  type ServiceDefinition,
} from '@tapeline/service-kit';
import { AggregationModule } from './aggregation.module';
import { loadAggregationConfig, type AggregationConfig } from './config';
import { BarStore } from './history/bar-store';

// The bus is created with the modules, and its health check needs it: one per process.
let bus: ReturnType<typeof busModule> | undefined;

/** SERVING once the symbol service and Kafka answer; see README.md for what the service does. */
export const aggregationService: ServiceDefinition<AggregationConfig> = {
  name: 'aggregation',
  loadConfig: loadAggregationConfig,
  modules: async (ctx: ServiceContext<AggregationConfig>) => {
    const { config, logger, metrics } = ctx;
    bus ??= busModule(config.bus, logger);
    const droppedRows = new Counter({
      name: 'aggregation_history_rows_dropped_total',
      help: 'History rows that never reached ClickHouse, by table and reason',
      labelNames: ['table', 'reason'],
      registers: [metrics],
    });
    const store = await BarStore.open(
      {
        database: config.database,
        url: config.clickhouseUrl,
        username: config.username,
        password: config.password,
        dataPath: config.chdbDir,
        ttlDays: config.ttlDays,
      },
      logger,
      droppedRows,
    );
    return [bus.module, AggregationModule.forRoot({ config, bus: bus.bus, store, logger, metrics })];
  },
  dependencies: (ctx) => {
    bus ??= busModule(ctx.config.bus, ctx.logger);
    return [grpcServiceDependency('symbol', ctx.config.symbolAddr), busDependency(bus.bus)];
  },
};
