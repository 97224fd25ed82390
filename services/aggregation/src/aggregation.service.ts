import { grpcServiceDependency, type ServiceDefinition } from '@tapeline/service-kit';
import { loadAggregationConfig, type AggregationConfig } from './config';

// The contract's RPCs get their handlers with the capability behind them; until then grpc-js
// answers UNIMPLEMENTED for them, and the service reports SERVING once the symbol service answers.
export const aggregationService: ServiceDefinition<AggregationConfig> = {
  name: 'aggregation',
  loadConfig: loadAggregationConfig,
  modules: () => [],
  dependencies: (ctx) => [grpcServiceDependency('symbol', ctx.config.symbolAddr)],
};
