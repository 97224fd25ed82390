import { grpcServiceDependency, type ServiceDefinition } from '@tapeline/service-kit';
import { loadGatewayConfig, type GatewayConfig } from './config';
import { ApiModule } from './graphql/api.module';

export const gatewayService: ServiceDefinition<GatewayConfig> = {
  name: 'gateway',
  loadConfig: loadGatewayConfig,
  modules: (ctx) => [ApiModule.forRoot(ctx.config, ctx.logger)],
  dependencies: (ctx) => [grpcServiceDependency('symbol', ctx.config.symbolAddr)],
  http: { port: (c) => c.httpPort, bodyLimitBytes: (c) => c.bodyLimitBytes },
};
