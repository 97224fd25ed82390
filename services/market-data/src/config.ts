import path from 'node:path';
import { env, type EnvVar } from '@tapeline/config';
import { historyEnv } from '@tapeline/history';
import { baseServiceSpec, loadConfigWithBus, symbolClientSpec } from '@tapeline/service-kit';
import { feedsVar, whenFeed } from './feeds/feed-spec';

/** A comma list of non-empty items; `required` makes an empty list a problem. */
function listVar(name: string, required: boolean): EnvVar<string[]> {
  return {
    variable: name,
    read(source) {
      const items = (source[name] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (required && items.length === 0) return { problem: 'is required but not set (a comma list)' };
      return { value: items };
    },
  };
}

function venueVar(name: string, fallback: string): EnvVar<string> {
  return env.custom(
    name,
    (raw) =>
      /^[A-Z0-9]{2,12}$/.test(raw) ? raw : { problem: `must be a venue code [A-Z0-9]{2,12}, got "${raw}"` },
    fallback,
  );
}

/** REPLAY_SPEED: 1 = recorded speed, N = N times faster, max = as fast as possible. */
function speedVar(name: string): EnvVar<number | 'max'> {
  return env.custom<number | 'max'>(
    name,
    (raw) => {
      if (raw === 'max') return 'max';
      const n = Number(raw);
      return /^\d+(\.\d+)?$/.test(raw) && n > 0
        ? n
        : { problem: `must be a positive number or "max", got "${raw}"` };
    },
    '1',
  );
}

/**
 * The chDB data directory: MARKET_DATA_CHDB_DIR, else beside the service's other data
 * (SERVICE_DATA_DIR from the launcher, or TAPELINE_DATA_DIR/market-data), else ./.tapeline.
 */
function chdbDirVar(): EnvVar<string> {
  return {
    variable: 'MARKET_DATA_CHDB_DIR',
    read(source) {
      const explicit = source.MARKET_DATA_CHDB_DIR;
      if (explicit) return { value: path.resolve(explicit) };
      if (source.SERVICE_DATA_DIR) return { value: path.resolve(source.SERVICE_DATA_DIR, 'chdb') };
      const root = source.TAPELINE_DATA_DIR || '.tapeline';
      return { value: path.resolve(root, 'market-data', 'chdb') };
    },
  };
}

/** The inserter's bound must leave room for two batches in flight (checked with the batch size). */
function maxBufferedRowsVar(batchRows: EnvVar<number>): EnvVar<number> {
  const inner = env.int('MARKET_DATA_HISTORY_MAX_BUFFERED_ROWS', 1_000_000, { min: 2, max: 100_000_000 });
  return {
    variable: inner.variable,
    read(source) {
      const r = inner.read(source);
      const batch = batchRows.read(source);
      if ('value' in r && 'value' in batch && r.value < 2 * batch.value) {
        return {
          problem: `must be at least twice MARKET_DATA_HISTORY_BATCH_ROWS (${batch.value}), got ${r.value}`,
        };
      }
      return r;
    },
  };
}

const history = historyEnv({ database: 'market_data', dataPath: '', ttlDays: 30 });
const historyBatchRows = env.int('MARKET_DATA_HISTORY_BATCH_ROWS', 20_000, { min: 1, max: 1_000_000 });

const spec = {
  ...baseServiceSpec({ grpcPort: 50052, metricsPort: 9402 }),
  ...symbolClientSpec(),
  feeds: feedsVar(),
  simSeed: whenFeed('simulated', env.int('SIM_SEED', 2026, { min: 0, max: 2 ** 31 - 1 })),
  simEventsPerSecond: whenFeed('simulated', env.int('SIM_EVENTS_PER_S', 2000, { min: 1, max: 1_000_000 })),
  simLevels: whenFeed('simulated', env.int('SIM_LEVELS', 10, { min: 1, max: 500 })),
  /** Instrument ids to simulate; empty = every instrument with a SIM venue symbol. */
  simInstruments: whenFeed('simulated', listVar('SIM_INSTRUMENTS', false)),
  replaySpeed: whenFeed('replay', speedVar('REPLAY_SPEED')),
  replayVenue: whenFeed('replay', venueVar('REPLAY_VENUE', 'REPLAY')),
  binanceSymbols: whenFeed('binance', listVar('BINANCE_SYMBOLS', true)),
  binanceVenue: whenFeed('binance', venueVar('BINANCE_VENUE', 'BINANCE')),
  fixSenderCompId: whenFeed('fix', env.string('FIX_SENDER_COMP_ID')),
  fixTargetCompId: whenFeed('fix', env.string('FIX_TARGET_COMP_ID')),
  fixSymbols: whenFeed('fix', listVar('FIX_SYMBOLS', true)),
  fixVenue: whenFeed('fix', venueVar('FIX_VENUE', 'FIXSIM')),
  fixUsername: whenFeed('fix', env.optionalString('FIX_USERNAME')),
  fixPassword: whenFeed('fix', env.optionalString('FIX_PASSWORD')),
  /** Levels per side of GetBook and stream snapshots by default, and of periodic snapshots. */
  depthLevels: env.int('MARKET_DATA_DEPTH_LEVELS', 20, { min: 1, max: 1000 }),
  /** Periodic depth snapshots to `depth` and history; 0 turns them off. */
  snapshotIntervalMs: env.int('MARKET_DATA_SNAPSHOT_INTERVAL_MS', 1000, { min: 0, max: 86_400_000 }),
  staleThresholdMs: env.int('MARKET_DATA_STALE_THRESHOLD_MS', 5000, { min: 100, max: 86_400_000 }),
  outlierStdDevs: env.int('MARKET_DATA_OUTLIER_STDDEVS', 8, { min: 1, max: 1000 }),
  instrumentRefreshMs: env.int('MARKET_DATA_INSTRUMENT_REFRESH_MS', 60_000, { min: 1000, max: 86_400_000 }),
  /** Depth diffs (and trades) queued per instrument for one slow StreamMarketData client. */
  streamBuffer: env.int('MARKET_DATA_STREAM_BUFFER', 256, { min: 1, max: 100_000 }),
  chdbDir: chdbDirVar(),
  clickhouseUrl: history.clickhouseUrl,
  clickhouseDatabase: history.database,
  clickhouseUser: history.username,
  clickhousePassword: history.password,
  historyTtlDays: env.int('MARKET_DATA_HISTORY_TTL_DAYS', 30, { min: 1, max: 36_500 }),
  historyBatchRows,
  historyLingerMs: env.int('MARKET_DATA_HISTORY_LINGER_MS', 250, { min: 1, max: 60_000 }),
  historyMaxBufferedRows: maxBufferedRowsVar(historyBatchRows),
};

export type MarketDataConfig = ReturnType<typeof loadMarketDataConfig>;
export function loadMarketDataConfig(source: NodeJS.ProcessEnv) {
  return loadConfigWithBus('market-data', spec, source);
}
