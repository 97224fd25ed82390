import { HistoryError } from './errors';

/**
 * How a column's values are held in a ColumnBatch and handed to the engine. Every ClickHouse type
 * the layer accepts maps onto one of these; the engine converts on insert.
 * - int32: Int8..Int32, UInt8, UInt16, Bool, Enum8/Enum16 (the enum's numeric value)
 * - float64: UInt32 (exact), Float32, Float64
 * - int64: Int64, DateTime('UTC') (seconds), DateTime64(3|6|9, 'UTC') (ticks of its precision since the epoch)
 * - uint64: UInt64 (held as the same 64 bits, reinterpreted by the engine)
 * - string: String, LowCardinality(String) (the latter held as dictionary codes: see InsertColumn.dictionary)
 */
export type ColumnKind = 'int32' | 'float64' | 'int64' | 'uint64' | 'string';

export interface ColumnSpec {
  readonly name: string;
  /** ClickHouse type, e.g. "Int64", "DateTime64(6, 'UTC')", "LowCardinality(String)". */
  readonly type: string;
  /** Compression codec list without CODEC(...), e.g. Codecs.timestamp. */
  readonly codec?: string;
  /** A DEFAULT expression: the column is filled by the engine and is not part of inserts. */
  readonly default?: string;
  readonly comment?: string;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** Sorting key; history tables lead with the instrument and the time: ['instrument_id', 'time']. */
  readonly orderBy: readonly string[];
  /** Partition expression; daily partitions keep TTL drops and backfills cheap: 'toDate(time)'. */
  readonly partitionBy?: string;
  /** The time column rows expire by, when createTableSql is given ttlDays. */
  readonly ttlColumn?: string;
  /** Table engine; default MergeTree. E.g. 'ReplacingMergeTree(version)' for latest-state tables. */
  readonly engine?: string;
}

/** One column as inserts see it. */
export interface InsertColumn {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnKind;
  /** Inclusive bounds for int32/float64 kinds (the target type's range). */
  readonly min: number;
  readonly max: number;
  /** Integer-only float64 column (UInt32). */
  readonly integer: boolean;
  /** Enum names to their values, for Enum8/Enum16 columns. */
  readonly enumValues: ReadonlyMap<string, number> | undefined;
  /** Engine expression turning the staged value (named like the column) into the column's type. */
  readonly selectExpr: string;
  /** For DateTime (0) and DateTime64(p) (p): the digits of a second in the staged ticks; else -1. */
  readonly precision: number;
  /**
   * LowCardinality(String): a batch holds each row as a code into the batch's dictionary of the
   * column's distinct values (instruments, venues repeat on every row), and the engine expands it.
   */
  readonly dictionary: boolean;
}

/** A validated table definition: its DDL and the columnar layout its inserts use. */
export interface HistoryTable {
  readonly name: string;
  readonly spec: TableSpec;
  /** Columns an insert supplies, in order (columns with a DEFAULT are left to the engine). */
  readonly insertColumns: readonly InsertColumn[];
}

/** Codec lists for the column roles history tables have. */
export const Codecs = {
  /** Monotonic or near-monotonic times: second differences are mostly zero. */
  timestamp: 'DoubleDelta, ZSTD(1)',
  /** Prices and sequence numbers move in small steps. */
  price: 'Delta, ZSTD(1)',
  /** Sizes and counts: small integers in wide columns. */
  quantity: 'T64, ZSTD(1)',
  generic: 'ZSTD(1)',
} as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertIdentifier(name: string, what: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new HistoryError(
      'HISTORY_SCHEMA_INVALID',
      `${what} "${name}" is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)`,
    );
  }
}

const INT32_RANGES: Record<string, [number, number]> = {
  Int8: [-128, 127],
  Int16: [-32768, 32767],
  Int32: [-2147483648, 2147483647],
  UInt8: [0, 255],
  UInt16: [0, 65535],
  Bool: [0, 1],
};

const TICK_FUNCTIONS: Record<string, string> = {
  '3': 'fromUnixTimestamp64Milli',
  '6': 'fromUnixTimestamp64Micro',
  '9': 'fromUnixTimestamp64Nano',
};

function parseEnum(type: string, table: string, column: string): Map<string, number> {
  const values = new Map<string, number>();
  const body = type.slice(type.indexOf('(') + 1, type.lastIndexOf(')'));
  const item = /'((?:[^'\\]|\\.)*)'\s*=\s*(-?\d+)/g;
  for (let m = item.exec(body); m !== null; m = item.exec(body)) {
    values.set(m[1]!.replace(/\\(.)/g, '$1'), Number(m[2]));
  }
  if (values.size === 0) {
    throw new HistoryError(
      'HISTORY_SCHEMA_INVALID',
      `${table}.${column}: enum type ${type} must list its values ('name' = n)`,
    );
  }
  return values;
}

function insertColumn(table: string, col: ColumnSpec): InsertColumn {
  const type = col.type.trim();
  const base = {
    name: col.name,
    type,
    integer: true,
    enumValues: undefined,
    selectExpr: col.name,
    precision: -1,
    dictionary: false,
  };
  const range = INT32_RANGES[type];
  if (range) return { ...base, kind: 'int32', min: range[0], max: range[1] };
  if (/^Enum(8|16)\(/.test(type)) {
    const enumValues = parseEnum(type, table, col.name);
    const bits = type.startsWith('Enum8') ? 8 : 16;
    return { ...base, kind: 'int32', min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1, enumValues };
  }
  if (type === 'UInt32') return { ...base, kind: 'float64', min: 0, max: 4294967295 };
  if (type === 'Float32' || type === 'Float64') {
    return { ...base, kind: 'float64', min: -Infinity, max: Infinity, integer: false };
  }
  if (type === 'Int64') return { ...base, kind: 'int64', min: 0, max: 0 };
  if (type === "DateTime('UTC')") return { ...base, kind: 'int64', min: 0, max: 0, precision: 0 };
  if (type === 'UInt64') {
    return { ...base, kind: 'uint64', min: 0, max: 0, selectExpr: `reinterpretAsUInt64(${col.name})` };
  }
  if (type.startsWith('DateTime')) {
    // Text times are read in the column's time zone (the server's when none is named); history is
    // UTC, so the zone must be stated and be UTC for both engines to store the same instant.
    const dt64 = /^DateTime64\(\s*(\d)\s*,\s*'UTC'\s*\)$/.exec(type);
    if (!dt64) {
      throw new HistoryError(
        'HISTORY_SCHEMA_INVALID',
        `${table}.${col.name}: times must be DateTime64(3|6|9, 'UTC') or DateTime('UTC'), got ${type}`,
      );
    }
    const fn = TICK_FUNCTIONS[dt64[1]!];
    if (!fn) {
      throw new HistoryError(
        'HISTORY_SCHEMA_INVALID',
        `${table}.${col.name}: DateTime64 precision must be 3, 6 or 9, got ${type}`,
      );
    }
    // Staged as Int64 ticks: a plain CAST would read the integer as seconds.
    const precision = Number(dt64[1]);
    return { ...base, kind: 'int64', min: 0, max: 0, precision, selectExpr: `${fn}(${col.name})` };
  }
  if (type === 'String' || type === 'LowCardinality(String)') {
    return { ...base, kind: 'string', min: 0, max: 0, dictionary: type !== 'String' };
  }
  throw new HistoryError(
    'HISTORY_SCHEMA_INVALID',
    `${table}.${col.name}: type ${type} is not supported for inserts (supported: Int8-64, UInt8-64, ` +
      `Float32/64, Bool, Enum8/16, DateTime('UTC'), DateTime64(3|6|9, 'UTC'), String, LowCardinality(String))`,
  );
}

/** Validates a table definition once, at startup, and derives its insert layout. */
export function defineTable(spec: TableSpec): HistoryTable {
  assertIdentifier(spec.name, 'table name');
  if (spec.columns.length === 0) {
    throw new HistoryError('HISTORY_SCHEMA_INVALID', `table ${spec.name} has no columns`);
  }
  const names = new Set<string>();
  for (const col of spec.columns) {
    assertIdentifier(col.name, `column of ${spec.name}`);
    if (names.has(col.name)) {
      throw new HistoryError('HISTORY_SCHEMA_INVALID', `table ${spec.name} declares ${col.name} twice`);
    }
    names.add(col.name);
  }
  for (const key of spec.orderBy) {
    if (!names.has(key)) {
      throw new HistoryError(
        'HISTORY_SCHEMA_INVALID',
        `${spec.name}: ORDER BY column ${key} is not a column`,
      );
    }
  }
  if (spec.ttlColumn !== undefined) {
    const ttl = spec.columns.find((c) => c.name === spec.ttlColumn);
    if (!ttl || !/^DateTime/.test(ttl.type.trim())) {
      throw new HistoryError(
        'HISTORY_SCHEMA_INVALID',
        `${spec.name}: ttlColumn ${spec.ttlColumn} must be a DateTime or DateTime64 column`,
      );
    }
  }
  const insertColumns = spec.columns
    .filter((c) => c.default === undefined)
    .map((c) => insertColumn(spec.name, c));
  return { name: spec.name, spec, insertColumns };
}

/**
 * The positions of named insert columns, for the typed row writer (`RowWriter`): resolve them once
 * at startup, then write each field by position. Throws HISTORY_SCHEMA_INVALID for a name that is
 * not an insert column of the table (unknown, or filled by a DEFAULT).
 */
export function columnIndexes<const N extends string>(
  table: HistoryTable,
  names: readonly N[],
): Readonly<Record<N, number>> {
  const out = {} as Record<N, number>;
  for (const name of names) {
    const i = table.insertColumns.findIndex((c) => c.name === name);
    if (i < 0) {
      throw new HistoryError('HISTORY_SCHEMA_INVALID', `${table.name} has no insert column ${name}`);
    }
    out[name] = i;
  }
  return out;
}

export interface CreateTableOptions {
  /** Rows older than this many days are dropped by the engine (needs the table's ttlColumn). */
  readonly ttlDays?: number;
}

/** `CREATE TABLE IF NOT EXISTS` for the definition: the same text on chDB and on a server. */
export function createTableSql(table: HistoryTable, options: CreateTableOptions = {}): string {
  const { spec } = table;
  const columns = spec.columns.map((c) => {
    let line = `    ${c.name} ${c.type}`;
    if (c.default !== undefined) line += ` DEFAULT ${c.default}`;
    if (c.codec !== undefined) line += ` CODEC(${c.codec})`;
    if (c.comment !== undefined)
      line += ` COMMENT '${c.comment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return line;
  });
  const lines = [`CREATE TABLE IF NOT EXISTS ${spec.name}`, '(', columns.join(',\n'), ')'];
  lines.push(`ENGINE = ${spec.engine ?? 'MergeTree'}`);
  if (spec.partitionBy !== undefined) lines.push(`PARTITION BY ${spec.partitionBy}`);
  lines.push(`ORDER BY (${spec.orderBy.join(', ')})`);
  if (options.ttlDays !== undefined) {
    if (!Number.isSafeInteger(options.ttlDays) || options.ttlDays <= 0) {
      throw new HistoryError(
        'HISTORY_CONFIG_INVALID',
        `ttlDays must be a positive integer, got ${options.ttlDays}`,
      );
    }
    if (spec.ttlColumn === undefined) {
      throw new HistoryError(
        'HISTORY_SCHEMA_INVALID',
        `${spec.name}: ttlDays given but the table has no ttlColumn`,
      );
    }
    lines.push(`TTL toDateTime(${spec.ttlColumn}) + INTERVAL ${options.ttlDays} DAY`);
  }
  return lines.join('\n');
}
