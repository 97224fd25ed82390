import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { batchFor, type ColumnBatch, type HistoryRow } from './column-batch';
import { HistoryError, toHistoryError } from './errors';
import {
  ENGINE_SETTINGS,
  formatQueryParams,
  parseJsonEachRow,
  type ClickHouseStore,
  type QueryParams,
} from './store';
import { assertIdentifier, type HistoryTable } from './table';

export interface ServerStoreOptions {
  /** ClickHouse HTTP(S) interface, e.g. http://clickhouse:8123. */
  readonly url: string;
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
  /** Run CREATE DATABASE IF NOT EXISTS at open (default true; turn off when the user may not). */
  readonly createDatabase?: boolean;
  /** gzip insert bodies (default false: on a LAN the CPU costs more than the bytes save). */
  readonly compressRequests?: boolean;
  /** Per-request timeout (default 30 s). */
  readonly requestTimeoutMs?: number;
}

/** The history store on a ClickHouse server (or cluster endpoint) through @clickhouse/client. */
export class ServerClickHouseStore implements ClickHouseStore {
  readonly kind = 'server' as const;
  private closed = false;

  private constructor(
    readonly database: string,
    private readonly client: ClickHouseClient,
  ) {}

  static async open(options: ServerStoreOptions): Promise<ServerClickHouseStore> {
    assertIdentifier(options.database, 'database');
    const base = {
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      request_timeout: options.requestTimeoutMs ?? 30_000,
      compression: { request: options.compressRequests ?? false, response: true },
      clickhouse_settings: { ...ENGINE_SETTINGS },
      // Failures reach the caller as HistoryErrors (and the inserter logs them): no console noise.
      log: { level: ClickHouseLogLevel.OFF },
    };
    if (options.createDatabase ?? true) {
      // The server rejects any request naming a database that does not exist yet, so the database
      // is created through a connection to the default one.
      const bootstrap = createClient(base);
      try {
        await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.database}` });
      } catch (err) {
        throw toHistoryError(err, `creating database ${options.database} at ${options.url}`);
      } finally {
        await bootstrap.close();
      }
    }
    return new ServerClickHouseStore(options.database, createClient({ ...base, database: options.database }));
  }

  async command(sql: string): Promise<void> {
    this.assertOpen();
    try {
      await this.client.command({ query: sql });
    } catch (err) {
      throw toHistoryError(err, 'ClickHouse command');
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    this.assertOpen();
    const query_params = formatQueryParams(params);
    try {
      const result = await this.client.query({ query: sql, format: 'JSONEachRow', query_params });
      return parseJsonEachRow<T>(await result.text());
    } catch (err) {
      throw toHistoryError(err, 'ClickHouse query');
    }
  }

  async insert(table: HistoryTable, rows: ColumnBatch | readonly HistoryRow[]): Promise<number> {
    return this.insertBatches(table, [batchFor(table, rows)]);
  }

  async insertBatches(table: HistoryTable, batches: readonly ColumnBatch[]): Promise<number> {
    this.assertOpen();
    const filled = batches.filter((b) => batchFor(table, b).length > 0);
    if (filled.length === 0) return 0;
    const columns = table.insertColumns.map((c) => c.name) as [string, ...string[]];
    try {
      await this.client.insert({
        table: table.name,
        columns,
        format: 'TabSeparated',
        // One request body, the batches' text one after another: a single INSERT.
        values: Readable.from(
          filled.map((b) => b.toTabSeparated()),
          { objectMode: false },
        ),
      });
    } catch (err) {
      throw toHistoryError(err, `ClickHouse insert into ${table.name}`);
    }
    return filled.reduce((n, b) => n + b.length, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private assertOpen(): void {
    if (this.closed)
      throw new HistoryError('HISTORY_CLOSED', `ClickHouse store for ${this.database} is closed`);
  }
}
