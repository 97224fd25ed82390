import {
  busDependency,
  busModule,
  grpcServiceDependency,
  type ServiceContext,
  type ServiceDefinition,
} from '@tapeline/service-kit';
import { loadMarketDataConfig, type MarketDataConfig } from './config';
import { openTickStore } from './history/tick-history';
import { createMarketData } from './market-data.parts';
import { MarketDataModule } from './market-data.module';

// The bus is needed by the health checks (asked for first) and by the modules: one per process.
const buses = new WeakMap<object, ReturnType<typeof busModule>>();
function busOf(ctx: ServiceContext<MarketDataConfig>): ReturnType<typeof busModule> {
  let bus = buses.get(ctx);
  if (!bus) buses.set(ctx, (bus = busModule(ctx.config.bus, ctx.logger)));
  return bus;
}

/**
 * Feed adapters -> normaliser and books -> Kafka (`quotes`, `trades`, `depth`, `alerts`), tick
 * history in its own ClickHouse database, and the MarketDataService gRPC API. SERVING once the
 * symbol service and Kafka answer.
 */
export const marketDataService: ServiceDefinition<MarketDataConfig> = {
  name: 'market-data',
  loadConfig: loadMarketDataConfig,
  modules: async (ctx) => {
    const { bus, module: busMod } = busOf(ctx);
    const { config } = ctx;
    const store = await openTickStore(
      {
        database: config.clickhouseDatabase,
        url: config.clickhouseUrl,
        username: config.clickhouseUser,
        password: config.clickhousePassword,
        chdbDir: config.chdbDir,
        ttlDays: config.historyTtlDays,
      },
      ctx.logger,
    );
    ctx.logger.info(
      {
        history: store.kind,
        database: store.database,
        ...(store.kind === 'embedded' ? { chdbDir: config.chdbDir } : {}),
      },
      'history store open',
    );
    return [busMod, MarketDataModule.forRoot(createMarketData(ctx, bus, store))];
  },
  dependencies: (ctx) => [
    grpcServiceDependency('symbol', ctx.config.symbolAddr),
    busDependency(busOf(ctx).bus),
  ],
};
