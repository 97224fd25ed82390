import { Module, type DynamicModule } from '@nestjs/common';
import { grpcClientModule } from '@tapeline/service-kit';
import type { GatewayConfig } from '../config';
import { InstrumentsResolver } from './instruments.resolver';
import { GRPC_DEADLINE_MS, SYMBOL_CLIENT, SymbolClient } from './symbol-client';

@Module({})
export class InstrumentsModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: InstrumentsModule,
      imports: [grpcClientModule(SYMBOL_CLIENT, 'symbol', config.symbolAddr)],
      providers: [
        InstrumentsResolver,
        SymbolClient,
        { provide: GRPC_DEADLINE_MS, useValue: config.grpcDeadlineMs },
      ],
    };
  }
}
