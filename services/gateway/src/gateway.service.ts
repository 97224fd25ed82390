import {
  busDependency,
  busModule,
  grpcServiceDependency,
  type ServiceContext,
  type ServiceDefinition,
} from '@tapeline/service-kit';
import type { DynamicModule } from '@nestjs/common';
import { loadGatewayConfig, type GatewayConfig } from './config';
import { ApiModule } from './graphql/api.module';
import { AuthModule } from './auth/auth.module';
import { AuthRuntime } from './auth/auth-runtime';

/**
 * The gateway's modules. `live: false` leaves the bus out (schema printing, in-process tests):
 * the live hub then exists but nothing feeds it.
 */
export async function gatewayModules(
  ctx: Pick<ServiceContext<GatewayConfig>, 'config' | 'logger' | 'health' | 'metrics'>,
  { live = true }: { live?: boolean } = {},
): Promise<DynamicModule[]> {
  const auth = await AuthRuntime.create(ctx.config.auth, ctx.logger);
  const { store } = auth;
  if (store && ctx.config.auth.redis) ctx.health.addDependency({ name: 'redis', check: () => store.ping() });
  const modules = [AuthModule.forRoot(auth)];
  if (!live) return [...modules, ApiModule.forRoot(ctx.config, ctx.logger, auth, { metrics: ctx.metrics })];
  const { bus, module } = busModule(ctx.config.bus, ctx.logger);
  // Subscriptions need the broker; queries do not wait on it (the feed starts in the background).
  ctx.health.addDependency(busDependency(bus));
  return [...modules, module, ApiModule.forRoot(ctx.config, ctx.logger, auth, { bus, metrics: ctx.metrics })];
}

export const gatewayService: ServiceDefinition<GatewayConfig> = {
  name: 'gateway',
  loadConfig: loadGatewayConfig,
  modules: (ctx) => gatewayModules(ctx),
  dependencies: (ctx) => [grpcServiceDependency('symbol', ctx.config.symbolAddr)],
  http: { port: (c) => c.httpPort, bodyLimitBytes: (c) => c.bodyLimitBytes },
};
