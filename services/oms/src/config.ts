import path from 'node:path';
import { env, type EnvVar } from '@tapeline/config';
import { historyEnv } from '@tapeline/history';
import { baseServiceSpec, loadConfigWithBus, symbolClientSpec } from '@tapeline/service-kit';
import { AccountConfigError, AccountDirectory } from './accounts/account-directory';
import { parseSessionClose, type SessionClose } from './expiry/session-close';
import { loadVenueRouting, VenueConfigError, type VenueRoutingConfig } from './routing/venue-config';

export const CONFIG_DIR = path.resolve(__dirname, '../config');
export const DEFAULT_VENUES_FILE = path.join(CONFIG_DIR, 'venues.yaml');
export const DEFAULT_ACCOUNTS_FILE = path.join(CONFIG_DIR, 'accounts.yaml');

/** A config file read and validated with the rest of the environment: one boot error lists all. */
function fileVar<T>(name: string, fallback: string, load: (file: string) => T): EnvVar<T> {
  return env.custom<T>(
    name,
    (file) => {
      try {
        return load(file);
      } catch (err) {
        if (err instanceof VenueConfigError || err instanceof AccountConfigError)
          return { problem: err.message };
        throw err;
      }
    },
    fallback,
  );
}

/**
 * A data directory of the oms: `variable` when set, else `sub` beside the service's other data
 * (SERVICE_DATA_DIR from the launcher, or TAPELINE_DATA_DIR/oms), else ./.tapeline/oms/<sub>.
 */
function dataDirVar(variable: string, sub: string): EnvVar<string> {
  return {
    variable,
    read(source) {
      const explicit = source[variable];
      if (explicit) return { value: path.resolve(explicit) };
      if (source.SERVICE_DATA_DIR) return { value: path.resolve(source.SERVICE_DATA_DIR, sub) };
      return { value: path.resolve(source.TAPELINE_DATA_DIR || '.tapeline', 'oms', sub) };
    },
  };
}

// The journal never expires, so the history TTL and generic data path variables do not apply.
const { clickhouseUrl, database, username, password } = historyEnv({
  database: 'oms',
  dataPath: '',
  ttlDays: 1,
});

const spec = {
  ...baseServiceSpec({ grpcPort: 50054, metricsPort: 9404 }),
  ...symbolClientSpec(),
  riskAddr: env.hostPort('RISK_GRPC_ADDR', '127.0.0.1:50055'),
  /** Deadline of one pre-trade check; past it the order is not sent (fail closed). */
  riskTimeoutMs: env.int('OMS_RISK_TIMEOUT_MS', 2000, { min: 10, max: 60_000 }),
  venues: fileVar<VenueRoutingConfig>('OMS_VENUES_FILE', DEFAULT_VENUES_FILE, loadVenueRouting),
  accounts: fileVar<AccountDirectory>('OMS_ACCOUNTS_FILE', DEFAULT_ACCOUNTS_FILE, (f) =>
    AccountDirectory.load(f),
  ),
  chdbDir: dataDirVar('OMS_CHDB_DIR', 'chdb'),
  /** The journal's write-ahead log: an entry is durable (and acknowledged) once written here. */
  walDir: dataDirVar('OMS_WAL_DIR', 'wal'),
  /** A write-ahead log segment is closed past this size; closed segments go once ClickHouse has them. */
  walSegmentBytes: env.int('OMS_WAL_SEGMENT_BYTES', 64 * 1024 * 1024, { min: 65_536, max: 1 << 30 }),
  /** FIX session stores (sequence numbers and sent messages), one directory per FIX venue. */
  fixDir: dataDirVar('OMS_FIX_DIR', 'fix'),
  clickhouseUrl,
  clickhouseDatabase: database,
  clickhouseUser: username,
  clickhousePassword: password,
  /** Journal entries per log write and per ClickHouse insert at most (more wait for the next one). */
  journalBatchMax: env.int('OMS_JOURNAL_BATCH_MAX', 2000, { min: 1, max: 100_000 }),
  /** How long a durable journal entry may wait to share its ClickHouse insert with later ones. */
  journalInsertLingerMs: env.int('OMS_JOURNAL_INSERT_LINGER_MS', 200, { min: 0, max: 10_000 }),
  /**
   * Tests only: every journal insert into ClickHouse waits this long first, so that a test can
   * stop the oms while acknowledged entries are in the write-ahead log alone. 0 in production.
   */
  journalTestInsertDelayMs: env.int('OMS_JOURNAL_TEST_INSERT_DELAY_MS', 0, { min: 0, max: 600_000 }),
  /** At start, this many of the newest journal entries and execution reports are published again. */
  journalRepublish: env.int('OMS_JOURNAL_REPUBLISH', 1000, { min: 0, max: 1_000_000 }),
  /** How long the start waits for FIX venues to answer status requests for in-flight orders. */
  reconcileTimeoutMs: env.int('OMS_RECONCILE_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
  /**
   * The simulated venues' books are refreshed from the market (`depth`, else `quotes`) at most
   * this often per instrument, each refresh a journaled command; 0 turns seeding off.
   */
  seedIntervalMs: env.int('OMS_SEED_INTERVAL_MS', 1000, { min: 0, max: 3_600_000 }),
  /** Market levels per side a refresh seeds. */
  seedLevels: env.int('OMS_SEED_LEVELS', 10, { min: 1, max: 1000 }),
  /** A market silent this long for an instrument: its seeded liquidity is withdrawn. */
  seedMaxAgeMs: env.int('OMS_SEED_MAX_AGE_MS', 30_000, { min: 1000, max: 86_400_000 }),
  /** How often GTD orders (at the venue and stops held in the oms) are checked for expiry. */
  expiryCheckMs: env.int('OMS_EXPIRY_CHECK_MS', 1000, { min: 50, max: 60_000 }),
  /** UTC time of day at which DAY orders expire ("HH:MM:SS"), or "off". */
  sessionCloseUtc: env.custom<SessionClose>('OMS_SESSION_CLOSE_UTC', parseSessionClose, '21:00:00'),
};

export type OmsConfig = ReturnType<typeof loadOmsConfig>;
export function loadOmsConfig(source: NodeJS.ProcessEnv) {
  return loadConfigWithBus('oms', spec, source);
}
