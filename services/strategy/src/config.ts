import { loadConfig } from '@tapeline/config';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';

const spec = {
  ...baseServiceSpec({ grpcPort: 50056, metricsPort: 9406 }),
  ...symbolClientSpec(),
};

export type StrategyConfig = ReturnType<typeof loadStrategyConfig>;
export function loadStrategyConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('strategy', spec, source);
}
