import { loadConfig } from '@tapeline/config';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';

const spec = {
  ...baseServiceSpec({ grpcPort: 50055, metricsPort: 9405 }),
  ...symbolClientSpec(),
};

export type RiskConfig = ReturnType<typeof loadRiskConfig>;
export function loadRiskConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('risk', spec, source);
}
