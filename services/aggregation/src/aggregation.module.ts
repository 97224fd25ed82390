import { Module, type DynamicModule } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Bus } from '@tapeline/bus';
import { grpcClientModule } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import { AggregationPipeline } from './aggregation/aggregation-pipeline';
import { AggregationController } from './api/aggregation.controller';
import type { AggregationConfig } from './config';
import type { BarStore } from './history/bar-store';
import { InstrumentDirectory, SYMBOL_CLIENT } from './instruments/instrument-directory';

@Module({})
export class AggregationModule {
  static forRoot(deps: {
    config: AggregationConfig;
    bus: Bus;
    store: BarStore;
    logger: Logger;
    metrics: Registry;
  }): DynamicModule {
    const { config, bus, store, logger, metrics } = deps;
    return {
      module: AggregationModule,
      imports: [grpcClientModule(SYMBOL_CLIENT, 'symbol', config.symbolAddr)],
      controllers: [AggregationController],
      providers: [
        InstrumentDirectory,
        {
          provide: AggregationPipeline,
          inject: [InstrumentDirectory],
          useFactory: (directory: InstrumentDirectory) =>
            new AggregationPipeline(config, bus, store, directory, logger, metrics),
        },
      ],
    };
  }
}
