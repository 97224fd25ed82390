import { nowMicros } from '@tapeline/telemetry';
import {
  busDependency,
  busModule,
  grpcServiceDependency,
  type ServiceContext,
  type ServiceDefinition,
} from '@tapeline/service-kit';
import { loadRiskConfig, type RiskConfig } from './config';
import { RiskModule } from './risk.module';
import { RiskRuntime } from './risk-runtime';

interface RiskParts {
  readonly bus: ReturnType<typeof busModule>;
  readonly runtime: RiskRuntime;
}

// Health checks are asked for before the modules; both need the same bus and state: one per process.
const parts = new WeakMap<object, RiskParts>();
function partsOf(ctx: ServiceContext<RiskConfig>): RiskParts {
  let p = parts.get(ctx);
  if (!p) {
    const bus = busModule(ctx.config.bus, ctx.logger);
    const runtime = new RiskRuntime(
      ctx.config,
      ctx.logger,
      ctx.metrics,
      (alert) => bus.bus.publish('alerts', alert),
      nowMicros(),
    );
    parts.set(ctx, (p = { bus, runtime }));
  }
  return p;
}

/**
 * Pre-trade controls answered from memory, kill switches and limits rebuilt from the journal,
 * positions and P&L from executions, marks and VaR history from quotes, post-trade reports.
 * SERVING once the symbol service and Kafka answer and the boot replay is over.
 */
export const riskService: ServiceDefinition<RiskConfig> = {
  name: 'risk',
  loadConfig: loadRiskConfig,
  modules: (ctx) => {
    const { bus, runtime } = partsOf(ctx);
    return [bus.module, RiskModule.forRoot(runtime, bus.bus, ctx.config.symbolAddr)];
  },
  dependencies: (ctx) => {
    const { bus, runtime } = partsOf(ctx);
    return [
      grpcServiceDependency('symbol', ctx.config.symbolAddr),
      busDependency(bus.bus),
      {
        name: 'risk-state',
        check: () => (runtime.ready ? Promise.resolve() : Promise.reject(new Error(runtime.bootStage))),
      },
    ];
  },
};
