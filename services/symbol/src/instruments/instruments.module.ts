import { Module, type DynamicModule } from '@nestjs/common';
import { InstrumentMaster } from '@tapeline/instruments';
import { SymbolController } from './symbol.controller';

@Module({})
export class InstrumentsModule {
  static forRoot(master: InstrumentMaster): DynamicModule {
    return {
      module: InstrumentsModule,
      controllers: [SymbolController],
      providers: [{ provide: InstrumentMaster, useValue: master }],
    };
  }
}
