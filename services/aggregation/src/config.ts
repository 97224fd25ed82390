import path from 'node:path';
import { env, type EnvVar } from '@tapeline/config';
import { AggregateError, formatBarType, parseBarType } from '@tapeline/aggregates';
import { historyEnv } from '@tapeline/history';
import { baseServiceSpec, loadConfigWithBus, symbolClientSpec } from '@tapeline/service-kit';

/** Where the service keeps its files: SERVICE_DATA_DIR (the launcher), TAPELINE_DATA_DIR, or ./.tapeline. */
function dataDir(source: NodeJS.ProcessEnv): string {
  if (source['SERVICE_DATA_DIR']) return path.resolve(source['SERVICE_DATA_DIR']);
  return path.resolve(source['TAPELINE_DATA_DIR'] || '.tapeline', 'aggregation');
}

/** "1s,1m,5m" in canonical form ("60s" reads as "1m"), each validated, none twice. */
function barTypes(name: string, fallback: string): EnvVar<string[]> {
  return env.custom(
    name,
    (raw) => {
      const types: string[] = [];
      for (const text of raw.split(',').map((t) => t.trim())) {
        try {
          const canonical = formatBarType(parseBarType(text));
          if (types.includes(canonical)) return { problem: `bar type ${canonical} is listed twice` };
          types.push(canonical);
        } catch (err) {
          if (err instanceof AggregateError) return { problem: err.message };
          throw err;
        }
      }
      return types;
    },
    fallback,
  );
}

/** UTC "HH:MM" as microseconds after midnight. */
function timeOfDay(name: string, fallback: string): EnvVar<number> {
  return env.custom(
    name,
    (raw) => {
      const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(raw);
      if (!m) return { problem: `must be a UTC time of day HH:MM, got "${raw}"` };
      return (Number(m[1]) * 3600 + Number(m[2]) * 60) * 1_000_000;
    },
    fallback,
  );
}

function redisUrl(name: string): EnvVar<string | undefined> {
  return {
    variable: name,
    read(source) {
      const raw = source[name];
      if (!raw) return { value: undefined };
      try {
        if (['redis:', 'rediss:'].includes(new URL(raw).protocol)) return { value: raw };
      } catch {
        // reported below
      }
      return { problem: `must be a redis:// or rediss:// URL, got "${raw}"` };
    },
  };
}

function spec(source: NodeJS.ProcessEnv) {
  const base = dataDir(source);
  // The chDB directory has its own variable (AGGREGATION_CHDB_DIR), not the generic one.
  const { dataPath: _generic, ...history } = historyEnv({
    database: 'aggregation',
    dataPath: path.join(base, 'chdb'),
    ttlDays: 400,
  });
  return {
    ...baseServiceSpec({ grpcPort: 50053, metricsPort: 9403 }),
    ...symbolClientSpec(),
    ...history,
    chdbDir: env.string('AGGREGATION_CHDB_DIR', path.join(base, 'chdb')),
    stateDir: env.string('AGGREGATION_STATE_DIR', path.join(base, 'state')),
    barTypes: barTypes('AGGREGATION_BAR_TYPES', '1s,1m,5m,1h,1d'),
    sessionStartMicrosOfDay: timeOfDay('AGGREGATION_SESSION_START', '00:00'),
    consumerGroup: env.string('AGGREGATION_CONSUMER_GROUP', 'aggregation'),
    clockTickMs: env.int('AGGREGATION_CLOCK_TICK_MS', 250, { min: 10, max: 10_000 }),
    closeGraceMs: env.int('AGGREGATION_CLOSE_GRACE_MS', 500, { min: 0, max: 60_000 }),
    checkpointIntervalMs: env.int('AGGREGATION_CHECKPOINT_INTERVAL_MS', 2000, { min: 100, max: 600_000 }),
    divergenceLookback: env.int('AGGREGATION_DIVERGENCE_LOOKBACK', 5, { min: 0, max: 10_000 }),
    heatmap: env.bool('AGGREGATION_HEATMAP', true),
    redisUrl: redisUrl('REDIS_URL'),
    redisPrefix: env.string('AGGREGATION_REDIS_PREFIX', ''),
  };
}

export type AggregationConfig = ReturnType<typeof loadAggregationConfig>;
export function loadAggregationConfig(source: NodeJS.ProcessEnv) {
  return loadConfigWithBus('aggregation', spec(source), source);
}
