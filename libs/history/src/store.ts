import type { ColumnBatch, HistoryRow } from './column-batch';
import { HistoryError } from './errors';
import type { HistoryTable } from './table';

/** A typed query parameter's value. 64-bit integers as bigint or decimal string; times as integers. */
export type QueryParamValue = number | bigint | string | boolean | null | readonly QueryParamValue[];
export type QueryParams = Readonly<Record<string, QueryParamValue>>;

/**
 * The history port: one ClickHouse database owned by one service. The same DDL and SQL run on the
 * embedded engine (chDB) and on a server (@clickhouse/client); only the adapter differs.
 */
export interface ClickHouseStore {
  /** 'embedded' (chDB in this process) or 'server' (HTTP to a ClickHouse server). */
  readonly kind: 'embedded' | 'server';
  /** The database every unqualified table name refers to. */
  readonly database: string;
  /** Runs a statement that returns no rows (DDL, ALTER, OPTIMIZE, ...). */
  command(sql: string): Promise<void>;
  /**
   * Inserts rows (validated against the table's columns) or a ColumnBatch, as one INSERT.
   * Resolves with the number of rows written once the engine has accepted them. A batch given
   * must not change until then (the embedded engine reads its memory in place).
   */
  insert(table: HistoryTable, rows: ColumnBatch | readonly HistoryRow[]): Promise<number>;
  /**
   * Inserts several batches of one table as one INSERT (one part for the engine to write instead
   * of one per batch), all or nothing. The batches must not change until it settles. Optional: the
   * BatchedInserter sends a backlog through it when the store has it, else batch by batch.
   */
  insertBatches?(table: HistoryTable, batches: readonly ColumnBatch[]): Promise<number>;
  /**
   * Runs a SELECT and returns its rows as objects (JSONEachRow). Values come in through
   * `{name:Type}` placeholders bound by the engine, never spliced into the SQL text. Int64/UInt64
   * come back as decimal strings, DateTime64 as 'YYYY-MM-DD hh:mm:ss.ffffff' (select
   * toUnixTimestamp64Micro(time) to get micros).
   */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Waits for running statements, then releases the engine or the connection pool. */
  close(): Promise<void>;
}

/** Settings both adapters apply, so the two engines answer in the same shape. */
export const ENGINE_SETTINGS = {
  // Int64/UInt64 as JSON strings: a JS number would silently round values beyond 2^53.
  output_format_json_quote_64bit_integers: 1,
} as const;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A parameter as handed to an engine client: text for scalars, checked elements for arrays. */
export type FormattedParam = string | null | readonly FormattedParam[] | number | bigint | boolean;

function invalid(name: string, value: unknown): HistoryError {
  return new HistoryError(
    'HISTORY_PARAM_INVALID',
    `query parameter ${name} has no ClickHouse text form (${typeof value === 'number' ? value : Object.prototype.toString.call(value)}); ` +
      'pass times as integer micros with fromUnixTimestamp64Micro({name:Int64})',
  );
}

function element(value: QueryParamValue, name: string): FormattedParam {
  if (value === null || typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean')
    return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(name, value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v: QueryParamValue) => element(v, name));
  throw invalid(name, value);
}

/**
 * Parameters checked and put in the form both engine clients format identically: scalars as the
 * text ClickHouse parses for the declared type (each client then escapes it once for the wire),
 * arrays as checked element lists (each client writes the array literal itself: an array's text is
 * parsed as a literal, so pre-formatting it would have its escapes applied twice).
 */
export function formatQueryParams(params: QueryParams | undefined): Record<string, FormattedParam> {
  const out: Record<string, FormattedParam> = {};
  if (params === undefined) return out;
  for (const [name, value] of Object.entries(params)) {
    if (!PARAM_NAME.test(name)) {
      throw new HistoryError('HISTORY_PARAM_INVALID', `query parameter name "${name}" is not an identifier`);
    }
    if (value === null || typeof value === 'string') out[name] = value;
    else if (typeof value === 'bigint') out[name] = value.toString();
    else if (typeof value === 'boolean') out[name] = value ? '1' : '0';
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw invalid(name, value);
      out[name] = String(value);
    } else out[name] = element(value, name);
  }
  return out;
}

/** Parses JSONEachRow output (one object per line) in a single JSON.parse. */
export function parseJsonEachRow<T>(text: string): T[] {
  const body = text.trimEnd();
  if (body === '') return [];
  // Newlines only ever separate rows: JSON escapes them inside strings.
  return JSON.parse(`[${body.replace(/\n/g, ',')}]`) as T[];
}
