import type { ServiceDefinition } from '@tapeline/service-kit';
import { loadSymbolConfig, type SymbolConfig } from './config';
import { InstrumentStore } from './instruments/instrument-store';
import { InstrumentsModule } from './instruments/instruments.module';

export const symbolService: ServiceDefinition<SymbolConfig> = {
  name: 'symbol',
  loadConfig: loadSymbolConfig,
  modules: (ctx) => {
    const store = new InstrumentStore(ctx.config.instruments, ctx.logger);
    ctx.logger.info({ instruments: store.master.size }, 'instrument master loaded');
    return [InstrumentsModule.forRoot(store)];
  },
  // The master is in memory from the seed: no external dependency to wait for.
  dependencies: () => [],
};
