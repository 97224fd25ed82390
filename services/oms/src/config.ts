import { loadConfig } from '@tapeline/config';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';

const spec = {
  ...baseServiceSpec({ grpcPort: 50054, metricsPort: 9404 }),
  ...symbolClientSpec(),
};

export type OmsConfig = ReturnType<typeof loadOmsConfig>;
export function loadOmsConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('oms', spec, source);
}
