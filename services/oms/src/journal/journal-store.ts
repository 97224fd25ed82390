// The oms journal in its ClickHouse database (chDB embedded, or a server with CLICKHOUSE_URL).
// Rows are only ever inserted: this class has no update or delete path, and the table's engine
// sorts by sequence so reads by range are cheap.
import {
  createClickHouseStore,
  defineTable,
  runMigrations,
  type ClickHouseStore,
  type HistoryStoreConfig,
  type QueryParams,
} from '@tapeline/history';
import {
  fromJournalRow,
  journalTableDdl,
  toJournalRow,
  type JournalEntry,
  type JournalRow,
} from '@tapeline/journal';
import type { Logger } from '@tapeline/telemetry';

export const JOURNAL_TABLE = 'journal';

// The insert layout of journalTableDdl's table: `recorded_at` is MATERIALIZED (not inserted) and
// the FixedString(64) hashes are staged as strings, which the engine converts on insert.
const journalInsert = defineTable({
  name: JOURNAL_TABLE,
  columns: [
    { name: 'hash_version', type: 'UInt8' },
    { name: 'sequence', type: 'UInt64' },
    { name: 'entry_id', type: 'String' },
    { name: 'recorded_at_micros', type: 'Int64' },
    { name: 'kind', type: 'LowCardinality(String)' },
    { name: 'actor_user_id', type: 'String' },
    { name: 'actor_client_id', type: 'String' },
    { name: 'actor_desk', type: 'LowCardinality(String)' },
    { name: 'actor_role', type: 'LowCardinality(String)' },
    { name: 'request_id', type: 'String' },
    { name: 'account_id', type: 'String' },
    { name: 'subject_id', type: 'String' },
    { name: 'instrument_id', type: 'String' },
    { name: 'before_state', type: 'String' },
    { name: 'after_state', type: 'String' },
    { name: 'prev_hash', type: 'String' },
    { name: 'hash', type: 'String' },
  ],
  orderBy: ['sequence'],
});

const COLUMNS = journalInsert.insertColumns.map((c) => c.name).join(', ');

const rows = new WeakMap<JournalEntry, JournalRow>();

/**
 * The entry's row, computed once: the write-ahead log and the insert both need it, and its state
 * documents' canonical JSON is the costliest part of writing an entry.
 */
export function journalRow(entry: JournalEntry): JournalRow {
  let row = rows.get(entry);
  if (row === undefined) rows.set(entry, (row = toJournalRow(entry)));
  return row;
}

export const JOURNAL_MIGRATIONS = [{ id: '0001_journal', statements: [journalTableDdl(JOURNAL_TABLE)] }];

/** Filters of QueryJournal; all optional, combined with AND. Times are UTC micros, `to` exclusive. */
export interface JournalFilter {
  readonly orderId?: string;
  readonly accountId?: string;
  /** Actor user id or client id. */
  readonly actor?: string;
  readonly fromMicros?: bigint;
  readonly toMicros?: bigint;
}

/** What the restart reads: stored entries by sequence. */
export interface JournalReader {
  readFrom(from: bigint, limit: number, to?: bigint): Promise<JournalEntry[]>;
}

/** What the writer needs: one durable append per batch. */
export interface JournalAppender {
  append(entries: readonly JournalEntry[]): Promise<void>;
}

export class JournalStore implements JournalReader, JournalAppender {
  private constructor(private readonly store: ClickHouseStore) {}

  static async open(config: HistoryStoreConfig, logger: Logger): Promise<JournalStore> {
    const store = await createClickHouseStore(config);
    await runMigrations(store, JOURNAL_MIGRATIONS, logger);
    return new JournalStore(store);
  }

  get kind(): 'embedded' | 'server' {
    return this.store.kind;
  }

  /** One INSERT: resolves once the engine has written every row (the durability point). */
  async append(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.store.insert(
      journalInsert,
      entries.map(journalRow) as unknown as Record<string, string | number>[],
    );
  }

  /** Entries with sequence >= from, oldest first, at most `limit`. */
  async readFrom(from: bigint, limit: number, to?: bigint): Promise<JournalEntry[]> {
    const rows = await this.store.query<JournalRow>(
      `SELECT ${COLUMNS} FROM ${JOURNAL_TABLE} WHERE sequence >= {from:UInt64}` +
        (to === undefined ? '' : ' AND sequence <= {to:UInt64}') +
        ' ORDER BY sequence LIMIT {limit:UInt32}',
      { from, limit, ...(to === undefined ? {} : { to }) },
    );
    return rows.map(fromJournalRow);
  }

  /** The newest `count` entries, oldest first. */
  async latest(count: number): Promise<JournalEntry[]> {
    const rows = await this.store.query<JournalRow>(
      `SELECT ${COLUMNS} FROM ${JOURNAL_TABLE} ORDER BY sequence DESC LIMIT {count:UInt32}`,
      { count },
    );
    return rows.map(fromJournalRow).reverse();
  }

  async maxSequence(): Promise<bigint> {
    const [row] = await this.store.query<{ s: string }>(
      `SELECT toString(max(sequence)) AS s FROM ${JOURNAL_TABLE}`,
    );
    return BigInt(row?.s ?? '0');
  }

  /** A page of entries matching the filter after sequence `after`, and how many match in all. */
  async query(
    filter: JournalFilter,
    after: bigint,
    limit: number,
  ): Promise<{ entries: JournalEntry[]; total: number; more: boolean }> {
    const where: string[] = [];
    const params: Record<string, QueryParams[string]> = {};
    if (filter.orderId) {
      where.push('subject_id = {orderId:String}');
      params.orderId = filter.orderId;
    }
    if (filter.accountId) {
      where.push('account_id = {accountId:String}');
      params.accountId = filter.accountId;
    }
    if (filter.actor) {
      where.push('(actor_user_id = {actor:String} OR actor_client_id = {actor:String})');
      params.actor = filter.actor;
    }
    if (filter.fromMicros !== undefined) {
      where.push('recorded_at_micros >= {fromMicros:Int64}');
      params.fromMicros = filter.fromMicros;
    }
    if (filter.toMicros !== undefined) {
      where.push('recorded_at_micros < {toMicros:Int64}');
      params.toMicros = filter.toMicros;
    }
    const base = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [count] = await this.store.query<{ n: string }>(
      `SELECT toString(count()) AS n FROM ${JOURNAL_TABLE} ${base}`,
      params,
    );
    const rows = await this.store.query<JournalRow>(
      `SELECT ${COLUMNS} FROM ${JOURNAL_TABLE} ${base ? `${base} AND` : 'WHERE'} sequence > {after:UInt64} ` +
        'ORDER BY sequence LIMIT {limit:UInt32}',
      { ...params, after, limit: limit + 1 },
    );
    const more = rows.length > limit;
    return { entries: rows.slice(0, limit).map(fromJournalRow), total: Number(count?.n ?? 0), more };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
