import path from 'node:path';
import { env, loadConfig } from '@tapeline/config';
import { baseServiceSpec } from '@tapeline/service-kit';
import { loadSeedFile, SeedError, type Instrument } from '@tapeline/instruments';

export const DEFAULT_SEED_FILE = path.resolve(__dirname, '../config/instruments.yaml');

const spec = {
  ...baseServiceSpec({ grpcPort: 50051, metricsPort: 9401 }),
  // The seed is read and validated with the rest of the config, so a bad seed stops the boot
  // with the same single message that lists every problem.
  instruments: env.custom<Instrument[]>(
    'SYMBOL_SEED_FILE',
    (file) => {
      try {
        return loadSeedFile(file);
      } catch (err) {
        if (err instanceof SeedError) return { problem: err.message };
        throw err;
      }
    },
    DEFAULT_SEED_FILE,
  ),
};

export type SymbolConfig = ReturnType<typeof loadSymbolConfig>;
export function loadSymbolConfig(source: NodeJS.ProcessEnv) {
  return loadConfig('symbol', spec, source);
}
