import { loadConfig } from '@tapeline/config';
import { baseServiceSpec, symbolClientSpec } from '@tapeline/service-kit';

const spec = {
  ...baseServiceSpec({ grpcPort: 50052, metricsPort: 9402 }),
  ...symbolClientSpec(),
};

export type MarketDataConfig = ReturnType<typeof loadMarketDataConfig>;
export function loadMarketDataConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('market-data', spec, source);
}
