import type { EngineColumn } from '../column-batch';
import type { FormattedParam } from '../store';

/** Messages from the embedded store to its chDB worker; each carries an id its reply echoes. */
export type EngineRequest =
  | { readonly id: number; readonly op: 'command'; readonly sql: string }
  | {
      readonly id: number;
      readonly op: 'query';
      readonly sql: string;
      readonly params: Readonly<Record<string, FormattedParam>>;
    }
  | {
      readonly id: number;
      readonly op: 'insert';
      /**
       * `INSERT INTO t (...) SELECT ... FROM arrowstream('<insertSource(0)>') UNION ALL ...`, one
       * SELECT per source; dictionary columns expand through `{<dictionaryParam(k, column)>:Array(String)}`.
       */
      readonly sql: string;
      /** One batch's columns per source, views over the batches' shared memory. */
      readonly sources: readonly (readonly EngineColumn[])[];
    }
  | { readonly id: number; readonly op: 'close' };

export type EngineReply =
  | { readonly id: number; readonly ok: true; readonly text?: string; readonly rows?: number }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly clickhouseCode?: number };

/** What the worker needs to open its session. */
export interface EngineWorkerData {
  readonly dataPath: string;
  readonly database: string;
  /** Engine arguments in `clickhouse local` form, e.g. --output_format_json_quote_64bit_integers=1. */
  readonly connectionArgs: readonly string[];
}

/** The Arrow table name batch k of an insert is registered under for the duration of its INSERT ... SELECT. */
export function insertSource(k: number): string {
  return `tapeline_history_batch_${k}`;
}

/** The query parameter holding batch k's dictionary of a LowCardinality column. */
export function dictionaryParam(k: number, column: string): string {
  return `dictionary_${k}_${column}`;
}
