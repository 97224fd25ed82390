import path from 'node:path';
import { env, type EnvVar } from '@tapeline/config';
import { baseServiceSpec, loadConfigWithBus, symbolClientSpec } from '@tapeline/service-kit';
import type { Setting } from './controls/control-catalog';
import { loadLimitsFile, LimitsFileError } from './controls/limits-file';

export const DEFAULT_LIMITS_FILE = path.resolve(__dirname, '../config/limits.yaml');

/** A confidence in percent strictly between 50 and 100, e.g. "99" or "97.5". */
function percentVar(name: string, fallback: string): EnvVar<number> {
  return env.custom(
    name,
    (raw) => {
      const n = Number(raw);
      return /^\d+(\.\d+)?$/.test(raw) && n > 50 && n < 100
        ? n
        : { problem: `must be a percentage above 50 and below 100, got "${raw}"` };
    },
    fallback,
  );
}

const spec = {
  ...baseServiceSpec({ grpcPort: 50055, metricsPort: 9405 }),
  ...symbolClientSpec(),
  // Read and validated with the rest, so a bad limits file is listed with every other problem.
  defaultLimits: env.custom<Setting[]>(
    'RISK_LIMITS_FILE',
    (file) => {
      try {
        return loadLimitsFile(file);
      } catch (err) {
        if (err instanceof LimitsFileError) return { problem: err.message };
        throw err;
      }
    },
    DEFAULT_LIMITS_FILE,
  ),
  /** VaR defaults when a report request leaves them at 0. */
  varConfidencePercent: percentVar('RISK_VAR_CONFIDENCE_PERCENT', '99'),
  varHorizonDays: env.int('RISK_VAR_HORIZON_DAYS', 1, { min: 1, max: 250 }),
  /** Price history for VaR: one closing mid per bucket per instrument, the last N buckets kept. */
  varBucketSeconds: env.int('RISK_VAR_BUCKET_SECONDS', 60, { min: 1, max: 86_400 }),
  varHistoryBuckets: env.int('RISK_VAR_HISTORY_BUCKETS', 1440, { min: 3, max: 100_000 }),
  /** Label of the report's money figures (amounts are summed in instrument currency, unconverted). */
  reportCurrency: env.custom(
    'RISK_REPORT_CURRENCY',
    (raw) => (/^[A-Z]{3,5}$/.test(raw) ? raw : { problem: `must be a currency code, got "${raw}"` }),
    'USD',
  ),
  /** Prefix of the consumer groups; each process adds its own id (every replica reads everything). */
  consumerGroup: env.custom(
    'RISK_CONSUMER_GROUP',
    (raw) =>
      /^[A-Za-z0-9._-]{1,100}$/.test(raw) ? raw : { problem: `must be [A-Za-z0-9._-]{1,100}, got "${raw}"` },
    'risk',
  ),
  /** Boot replay is over once no message older than the boot arrived for this long. */
  replayQuietMs: env.int('RISK_REPLAY_QUIET_MS', 1000, { min: 50, max: 60_000 }),
  /** How often the daily loss limits are re-checked against marks (fills re-check at once). */
  pnlCheckMs: env.int('RISK_PNL_CHECK_MS', 1000, { min: 50, max: 60_000 }),
};

export type RiskConfig = ReturnType<typeof loadRiskConfig>;
export function loadRiskConfig(source: NodeJS.ProcessEnv) {
  return loadConfigWithBus('risk', spec, source);
}
