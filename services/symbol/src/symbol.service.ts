import { InstrumentMaster } from '@tapeline/instruments';
import type { ServiceDefinition } from '@tapeline/service-kit';
import { loadSymbolConfig, type SymbolConfig } from './config';
import { InstrumentsModule } from './instruments/instruments.module';

export const symbolService: ServiceDefinition<SymbolConfig> = {
  name: 'symbol',
  loadConfig: loadSymbolConfig,
  modules: (ctx) => {
    const master = new InstrumentMaster(ctx.config.instruments);
    ctx.logger.info({ instruments: master.size }, 'instrument master loaded');
    return [InstrumentsModule.forRoot(master)];
  },
  // The master is in memory from the seed: no external dependency to wait for.
  dependencies: () => [],
};
