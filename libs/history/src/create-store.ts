import { env, type EnvVar } from '@tapeline/config';
import { EmbeddedClickHouseStore } from './embedded/embedded-store';
import { HistoryError } from './errors';
import { ServerClickHouseStore } from './server-store';
import type { ClickHouseStore } from './store';

/** Where a service's history lives: a ClickHouse server when `url` is set, else embedded chDB. */
export interface HistoryStoreConfig {
  /** The service's own database (market_data, aggregation, oms). */
  readonly database: string;
  /** CLICKHOUSE_URL: use this server through @clickhouse/client. */
  readonly url?: string;
  readonly username?: string;
  readonly password?: string;
  /** The chDB data directory when no URL is set (one per service process). */
  readonly dataPath?: string;
}

/** Opens the store the configuration names: server when a URL is configured, embedded otherwise. */
export async function createClickHouseStore(config: HistoryStoreConfig): Promise<ClickHouseStore> {
  if (config.url !== undefined && config.url !== '') {
    return ServerClickHouseStore.open({
      url: config.url,
      database: config.database,
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
    });
  }
  if (config.dataPath === undefined || config.dataPath === '') {
    throw new HistoryError(
      'HISTORY_CONFIG_INVALID',
      'history needs CLICKHOUSE_URL (a server) or a chDB data path (embedded); neither is set',
    );
  }
  return EmbeddedClickHouseStore.open({ dataPath: config.dataPath, database: config.database });
}

function optionalHttpUrl(variable: string): EnvVar<string | undefined> {
  return {
    variable,
    read(source) {
      const raw = source[variable];
      if (raw === undefined || raw === '') return { value: undefined };
      try {
        const u = new URL(raw);
        if (u.protocol === 'http:' || u.protocol === 'https:') return { value: raw };
      } catch {
        // reported below
      }
      return { problem: `must be an http(s) URL, got "${raw}"` };
    },
  };
}

/**
 * The environment variables of a history store, for a service's loadConfig spec:
 * CLICKHOUSE_URL, CLICKHOUSE_DATABASE, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, HISTORY_DATA_PATH,
 * HISTORY_TTL_DAYS. Spread it into the spec, then pass the result to createClickHouseStore.
 */
export function historyEnv(defaults: { database: string; dataPath: string; ttlDays: number }): {
  clickhouseUrl: EnvVar<string | undefined>;
  database: EnvVar<string>;
  username: EnvVar<string | undefined>;
  password: EnvVar<string | undefined>;
  dataPath: EnvVar<string>;
  ttlDays: EnvVar<number>;
} {
  return {
    clickhouseUrl: optionalHttpUrl('CLICKHOUSE_URL'),
    database: env.custom(
      'CLICKHOUSE_DATABASE',
      (raw) =>
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(raw) ? raw : { problem: `must be an identifier, got "${raw}"` },
      defaults.database,
    ),
    username: env.optionalString('CLICKHOUSE_USER'),
    password: env.optionalString('CLICKHOUSE_PASSWORD'),
    dataPath: env.string('HISTORY_DATA_PATH', defaults.dataPath),
    ttlDays: env.int('HISTORY_TTL_DAYS', defaults.ttlDays, { min: 1, max: 36500 }),
  };
}
