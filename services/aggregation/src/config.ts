import { loadConfig } from '@tapeline/config';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';

const spec = {
  ...baseServiceSpec({ grpcPort: 50053, metricsPort: 9403 }),
  ...symbolClientSpec(),
};

export type AggregationConfig = ReturnType<typeof loadAggregationConfig>;
export function loadAggregationConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('aggregation', spec, source);
}
