import { Module, type DynamicModule } from '@nestjs/common';
import { InstrumentStore } from './instrument-store';
import { SymbolController } from './symbol.controller';

@Module({})
export class InstrumentsModule {
  static forRoot(store: InstrumentStore): DynamicModule {
    return {
      module: InstrumentsModule,
      controllers: [SymbolController],
      providers: [{ provide: InstrumentStore, useValue: store }],
    };
  }
}
