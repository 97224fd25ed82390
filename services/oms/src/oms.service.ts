import {
  busDependency,
  busModule,
  grpcServiceDependency,
  type DependencyCheck,
  type ServiceContext,
  type ServiceDefinition,
} from '@tapeline/service-kit';
import { loadOmsConfig, type OmsConfig } from './config';
import { startOmsCore } from './oms-core';
import { OmsModule } from './oms.module';

// runService asks for the dependencies before it builds the modules; both use the one bus.
let kafka: ReturnType<typeof busModule> | undefined;
function kafkaOf(ctx: ServiceContext<OmsConfig>): ReturnType<typeof busModule> {
  kafka ??= busModule(ctx.config.bus, ctx.logger);
  return kafka;
}

// The state is rebuilt from the journal inside `modules`, i.e. before the gRPC server listens:
// no request is taken before the rebuild and the venue recovery are done. SERVING also waits for
// symbol (instruments), risk (pre-trade checks) and the broker.
export const omsService: ServiceDefinition<OmsConfig> = {
  name: 'oms',
  loadConfig: loadOmsConfig,
  modules: async (ctx) => {
    const { bus, module } = kafkaOf(ctx);
    const core = await startOmsCore(ctx.config, ctx.logger, bus);
    // Open update streams end when shutdown starts, or the graceful drain would wait on them.
    ctx.health.onChange(() => {
      if (ctx.health.isShuttingDown()) core.fanout.close();
    });
    return [module, OmsModule.forRoot(core)];
  },
  dependencies: (ctx): DependencyCheck[] => [
    grpcServiceDependency('symbol', ctx.config.symbolAddr),
    grpcServiceDependency('risk', ctx.config.riskAddr),
    busDependency(kafkaOf(ctx).bus),
  ],
};
