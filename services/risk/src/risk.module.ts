import { Module, type DynamicModule } from '@nestjs/common';
import type { Bus } from '@tapeline/bus';
import { CONFIG, grpcClientModule, LOGGER, type ClientGrpc } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import type { RiskConfig } from './config';
import { RiskController } from './grpc/risk.controller';
import { RiskBoot } from './risk-boot';
import { RiskRuntime } from './risk-runtime';

const SYMBOL_CLIENT = Symbol('symbol-grpc-client');

@Module({})
export class RiskModule {
  static forRoot(runtime: RiskRuntime, bus: Bus, symbolAddr: string): DynamicModule {
    return {
      module: RiskModule,
      imports: [grpcClientModule(SYMBOL_CLIENT, 'symbol', symbolAddr)],
      controllers: [RiskController],
      providers: [
        { provide: RiskRuntime, useValue: runtime },
        {
          provide: RiskBoot,
          useFactory: (symbol: ClientGrpc, config: RiskConfig, logger: Logger) =>
            new RiskBoot(runtime, bus, symbol, config, logger),
          inject: [SYMBOL_CLIENT, CONFIG, LOGGER],
        },
      ],
    };
  }
}
