import { Module, type DynamicModule } from '@nestjs/common';
import { grpcClientModule } from '@tapeline/service-kit';
import { MarketDataController } from './grpc/market-data.controller';
import { SymbolInstrumentSource, SYMBOL_CLIENT } from './instruments/symbol-instrument-source';
import { MARKET_DATA, type MarketDataParts } from './market-data.parts';
import { MarketDataRuntime } from './market-data.runtime';

@Module({})
export class MarketDataModule {
  static forRoot(parts: MarketDataParts): DynamicModule {
    return {
      module: MarketDataModule,
      imports: [grpcClientModule(SYMBOL_CLIENT, 'symbol', parts.config.symbolAddr)],
      controllers: [MarketDataController],
      providers: [{ provide: MARKET_DATA, useValue: parts }, SymbolInstrumentSource, MarketDataRuntime],
    };
  }
}
