import { HistoryError } from './errors';
import type { HistoryTable, InsertColumn } from './table';

/** A value as callers hand it over: JSONEachRow-style, with 64-bit integers as bigint or string. */
export type HistoryValue = number | bigint | string | boolean;
/** One row keyed by column name. Int64/UInt64/DateTime64 beyond 2^53 must be bigint or string. */
export type HistoryRow = Readonly<Record<string, HistoryValue | null | undefined>>;

/**
 * One column of a batch in the form the engines take: fixed-width values in a typed array, strings
 * as Arrow's Utf8 layout (int32 offsets, length + 1 of them, into UTF-8 bytes), LowCardinality
 * strings as 1-based codes into the batch's dictionary of distinct values. Exactly `length` rows.
 */
export type EngineColumn =
  | { readonly name: string; readonly kind: 'int32'; readonly values: Int32Array }
  | { readonly name: string; readonly kind: 'float64'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'int64' | 'uint64'; readonly values: BigInt64Array }
  | {
      readonly name: string;
      readonly kind: 'string';
      readonly offsets: Int32Array;
      readonly bytes: Uint8Array;
    }
  | {
      readonly name: string;
      readonly kind: 'dictionary';
      readonly codes: Int32Array;
      readonly dictionary: readonly string[];
    };

/**
 * Writes one row field by field, each field by the column's position in `table.insertColumns`
 * (see columnIndexes): no row object, no lookup by name. Every setter validates its value and
 * throws HISTORY_ROW_INVALID naming the column; a row is only part of the batch once committed.
 */
export interface RowWriter {
  /** String and LowCardinality(String) columns; Enum columns by name. */
  setString(column: number, value: string): void;
  /** Integer columns (Int*, UInt*, Bool, Enum by value, DateTime ticks) from a safe integer; floats. */
  setNumber(column: number, value: number): void;
  /** Integer columns from decimal text (ts-proto's int64 fields): exact beyond 2^53. */
  setDecimal(column: number, text: string): void;
  /** Int64, UInt64 and time columns from a bigint. */
  setBigInt(column: number, value: bigint): void;
  /** Any value in the forms a HistoryRow takes (the slow, general path). */
  setValue(column: number, value: HistoryValue | null | undefined): void;
}

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const INTEGER_TEXT = /^-?\d{1,20}$/;
// Rows whose 64-bit high word lies in [-2^21, 2^21) are safe integers: read them without a bigint.
const SAFE_HIGH = 2097152;

// The int64 columns are written as two 32-bit halves through typed-array views, which assumes the
// platform's byte order is little-endian (x64 and arm64 are); Arrow buffers are little-endian too.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('@tapeline/history needs a little-endian platform');
}

// How a column is held (InsertColumn.kind, with LowCardinality strings apart).
const INT32 = 0;
const FLOAT64 = 1;
const INT64 = 2;
const UINT64 = 3;
const STRING = 4;
const DICTIONARY = 5;

interface ColumnStore {
  readonly column: InsertColumn;
  readonly mode: number;
  /**
   * For Enum columns, 1 at [value - min] for each value declared: a value outside them would make
   * the engine refuse the whole batch, so it is refused here, per row.
   */
  readonly enumDeclared: Uint8Array | undefined;
  /** Int32 values, or dictionary codes (1-based: the engine's arrayElement). */
  i32: Int32Array;
  f64: Float64Array;
  i64: BigInt64Array;
  /** Views over i64's memory: low words at even indexes, high words at odd ones. */
  lo: Uint32Array;
  hi: Int32Array;
  offsets: Int32Array;
  bytes: Buffer;
  readonly dict: Map<string, number>;
  readonly entries: string[];
  /** The last value coded: a venue, often an instrument, repeats row after row. */
  lastValue: string | undefined;
  lastCode: number;
}

// Column memory is shared with chDB's worker thread: an insert posts views of it, not copies. The
// batch is left alone until the insert settles (BatchedInserter keeps it aside while it is sent).
function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

function allocate(column: InsertColumn, capacity: number): ColumnStore {
  const kind = column.kind;
  const mode =
    kind === 'int32'
      ? INT32
      : kind === 'float64'
        ? FLOAT64
        : kind === 'int64'
          ? INT64
          : kind === 'uint64'
            ? UINT64
            : column.dictionary
              ? DICTIONARY
              : STRING;
  const i64 = new BigInt64Array(shared(mode === INT64 || mode === UINT64 ? capacity * 8 : 0));
  return {
    column,
    mode,
    enumDeclared: column.enumValues ? declared(column, column.enumValues) : undefined,
    i32: new Int32Array(shared(mode === INT32 || mode === DICTIONARY ? capacity * 4 : 0)),
    f64: new Float64Array(shared(mode === FLOAT64 ? capacity * 8 : 0)),
    i64,
    lo: new Uint32Array(i64.buffer),
    hi: new Int32Array(i64.buffer),
    offsets: new Int32Array(shared(mode === STRING ? (capacity + 1) * 4 : 0)),
    bytes: Buffer.from(shared(mode === STRING ? capacity * 16 : 0)),
    dict: new Map(),
    entries: [],
    lastValue: undefined,
    lastCode: 0,
  };
}

function declared(column: InsertColumn, values: ReadonlyMap<string, number>): Uint8Array {
  const table = new Uint8Array(column.max - column.min + 1);
  for (const v of values.values()) table[v - column.min] = 1;
  return table;
}

function expectation(s: ColumnStore): string {
  const col = s.column;
  switch (s.mode) {
    case INT32:
      return col.enumValues
        ? `one of ${[...col.enumValues.keys()].join(', ')} (values ${[...col.enumValues.values()].join(', ')})`
        : `an integer in [${col.min}, ${col.max}]`;
    case FLOAT64:
      return col.integer ? `an integer in [${col.min}, ${col.max}]` : 'a number';
    case INT64:
    case UINT64:
      return `a ${s.mode === UINT64 ? 'UInt64' : 'Int64'} as a safe-integer number, bigint or decimal string`;
    default:
      return 'a string';
  }
}

function rowError(table: string, s: ColumnStore, got: unknown): HistoryError {
  const shown =
    typeof got === 'bigint' ? `${got}n` : typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new HistoryError(
    'HISTORY_ROW_INVALID',
    `${table}.${s.column.name} (${s.column.type}): expected ${expectation(s)}, got ${shown}`,
  );
}

/** Where parseDecimal leaves its value: a double returned from a call that is not inlined is boxed. */
const parsed = new Float64Array(1);

/**
 * Reads plain decimal text of at most 16 digits (an optional '-', digits only) into parsed[0] when
 * it is a safe integer, and says whether it did; otherwise (longer, beyond 2^53, not decimal) the
 * bigint path decides. Exact: every partial value of a result below 2^53 is an integer below 2^53.
 * Four digits per step (after the leading ones) shortens the chain of dependent multiply-adds a
 * 16-digit time costs.
 */
function parseDecimal(text: string): boolean {
  const n = text.length;
  const negative = text.charCodeAt(0) === 45;
  let k = negative ? 1 : 0;
  if (k === n || n - k > 16) return false;
  let v = 0;
  for (let lead = (n - k) & 3; lead > 0; lead--, k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return false;
    v = v * 10 + d;
  }
  for (; k < n; k += 4) {
    const a = text.charCodeAt(k) - 48;
    const b = text.charCodeAt(k + 1) - 48;
    const c = text.charCodeAt(k + 2) - 48;
    const d = text.charCodeAt(k + 3) - 48;
    if ((a | b | c | d) < 0 || a > 9 || b > 9 || c > 9 || d > 9) return false;
    v = v * 10000 + (a * 1000 + b * 100 + c * 10 + d);
  }
  if (v > Number.MAX_SAFE_INTEGER) return false;
  parsed[0] = negative ? -v : v;
  return true;
}

/**
 * Rows of one table held column by column in preallocated typed arrays (shared with the engine's
 * worker): a row is written field by field (RowWriter) or copied from a row object (append), with
 * no per-row allocation except the UTF-8 bytes of plain strings; LowCardinality strings are held
 * as codes into a per-batch dictionary. The engines take the columns as they are (chDB reads them
 * as Arrow tables; the HTTP path serialises them once per batch).
 */
export class ColumnBatch implements RowWriter {
  private readonly stores: ColumnStore[];
  private count = 0;
  /** The row being written; `written[c] === serial` once column c has its value. */
  private serial = 1;
  private readonly written: Float64Array;

  constructor(
    readonly table: HistoryTable,
    readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new HistoryError(
        'HISTORY_CONFIG_INVALID',
        `batch capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.stores = table.insertColumns.map((c) => allocate(c, capacity));
    this.written = new Float64Array(this.stores.length);
  }

  get length(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.capacity;
  }

  /** Empties the batch for reuse; the memory stays allocated. */
  reset(): void {
    this.count = 0;
    this.serial++;
    for (const s of this.stores) {
      if (s.mode !== DICTIONARY) continue;
      s.dict.clear();
      s.entries.length = 0;
      s.lastValue = undefined;
    }
  }

  /**
   * Copies one row in. Throws a HISTORY_ROW_INVALID error naming the column when a value is missing
   * or does not fit; the batch is then unchanged (the row counter only moves once every column is in).
   */
  append(row: HistoryRow): void {
    this.beginRow();
    const stores = this.stores;
    for (let c = 0; c < stores.length; c++) this.setValue(c, row[stores[c]!.column.name]);
    this.commitRow();
  }

  /** Starts a row (discarding one begun and not committed). Throws HISTORY_ROW_INVALID when full. */
  beginRow(): void {
    if (this.count >= this.capacity) {
      throw new HistoryError(
        'HISTORY_ROW_INVALID',
        `${this.table.name}: batch is full (${this.capacity} rows)`,
      );
    }
    this.serial++;
  }

  /**
   * Makes the row begun part of the batch. Throws HISTORY_ROW_INVALID naming the first column the
   * row has no value for (the row is then not in the batch).
   */
  commitRow(): void {
    const serial = this.serial;
    const written = this.written;
    for (let c = 0; c < written.length; c++) {
      if (written[c] !== serial) {
        const col = this.stores[c]!.column;
        throw new HistoryError(
          'HISTORY_ROW_INVALID',
          `${this.table.name}.${col.name} (${col.type}): no value written for this row`,
        );
      }
    }
    if (this.count >= this.capacity) {
      throw new HistoryError(
        'HISTORY_ROW_INVALID',
        `${this.table.name}: batch is full (${this.capacity} rows)`,
      );
    }
    this.count++;
    this.serial++;
  }

  setNumber(column: number, v: number): void {
    const s = this.store(column);
    const i = this.count;
    const col = s.column;
    switch (s.mode) {
      case INT32:
        if (
          !Number.isInteger(v) ||
          v < col.min ||
          v > col.max ||
          (s.enumDeclared !== undefined && s.enumDeclared[v - col.min] !== 1)
        ) {
          throw rowError(this.table.name, s, v);
        }
        s.i32[i] = v;
        break;
      case FLOAT64:
        if (typeof v !== 'number' || v < col.min || v > col.max || (col.integer && !Number.isInteger(v))) {
          throw rowError(this.table.name, s, v);
        }
        s.f64[i] = v;
        break;
      case INT64:
      case UINT64: {
        // Safe integers (micros, mantissas) are the common case: split into 32-bit halves with
        // arithmetic, which allocates nothing, instead of converting to bigint.
        if (!Number.isSafeInteger(v) || (s.mode === UINT64 && v < 0)) throw rowError(this.table.name, s, v);
        const high = Math.floor(v / TWO_32);
        s.lo[2 * i] = v - high * TWO_32;
        s.hi[2 * i + 1] = high;
        break;
      }
      default:
        throw rowError(this.table.name, s, v);
    }
    this.written[column] = this.serial;
  }

  setDecimal(column: number, text: string): void {
    const s = this.store(column);
    if (typeof text === 'string') {
      const safe = parseDecimal(text);
      if (s.mode === INT64 || s.mode === UINT64) {
        // ts-proto's int64 fields (times, mantissas, sequences): written here directly, the common case.
        const v = parsed[0]!;
        if (safe && (v >= 0 || s.mode === INT64)) {
          const i = this.count;
          const high = Math.floor(v / TWO_32);
          s.lo[2 * i] = v - high * TWO_32;
          s.hi[2 * i + 1] = high;
          this.written[column] = this.serial;
          return;
        }
        if (INTEGER_TEXT.test(text)) {
          this.setBigInt(column, BigInt(text)); // beyond 2^53: exact, range-checked
          return;
        }
      } else if (safe) {
        this.setNumber(column, parsed[0]!);
        return;
      }
    }
    throw rowError(this.table.name, s, text);
  }

  setBigInt(column: number, v: bigint): void {
    const s = this.store(column);
    const unsigned = s.mode === UINT64;
    if (
      typeof v !== 'bigint' ||
      (s.mode !== INT64 && !unsigned) ||
      v < (unsigned ? 0n : INT64_MIN) ||
      v > (unsigned ? UINT64_MAX : INT64_MAX)
    ) {
      throw rowError(this.table.name, s, v);
    }
    s.i64[this.count] = BigInt.asIntN(64, v); // UInt64 above 2^63 keeps its bits; the engine reinterprets
    this.written[column] = this.serial;
  }

  setString(column: number, v: string): void {
    const s = this.store(column);
    if (typeof v !== 'string') throw rowError(this.table.name, s, v);
    const i = this.count;
    switch (s.mode) {
      case STRING:
        this.writeString(s, i, v);
        break;
      case DICTIONARY: {
        if (v !== s.lastValue) {
          let code = s.dict.get(v);
          if (code === undefined) {
            code = s.entries.push(v);
            s.dict.set(v, code);
          }
          s.lastValue = v;
          s.lastCode = code;
        }
        s.i32[i] = s.lastCode;
        break;
      }
      case INT32: {
        const code = s.column.enumValues?.get(v);
        if (code === undefined) throw rowError(this.table.name, s, v);
        s.i32[i] = code;
        break;
      }
      default:
        throw rowError(this.table.name, s, v);
    }
    this.written[column] = this.serial;
  }

  setValue(column: number, v: HistoryValue | null | undefined): void {
    const s = this.store(column);
    if (typeof v === 'number') this.setNumber(column, v);
    else if (typeof v === 'bigint') this.setBigInt(column, v);
    else if (typeof v === 'string') {
      if (s.mode === INT64 || s.mode === UINT64) this.setDecimal(column, v);
      else this.setString(column, v);
    } else if (typeof v === 'boolean' && s.mode === INT32 && s.column.min === 0 && s.column.max === 1) {
      this.setNumber(column, v ? 1 : 0);
    } else throw rowError(this.table.name, s, v);
  }

  private store(column: number): ColumnStore {
    const s = this.stores[column];
    if (s === undefined) throw this.noColumn(column); // kept out of line: the setters stay small
    return s;
  }

  private noColumn(column: number): HistoryError {
    return new HistoryError(
      'HISTORY_ROW_INVALID',
      `${this.table.name}: no insert column at position ${column} (it has ${this.stores.length})`,
    );
  }

  private writeString(s: ColumnStore, i: number, v: string): void {
    const start = s.offsets[i]!;
    const worst = start + v.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 code unit
    if (worst > s.bytes.length) {
      const grown = Buffer.from(shared(Math.max(worst, s.bytes.length * 2)));
      s.bytes.copy(grown, 0, 0, start);
      s.bytes = grown;
    }
    // Ids are short ASCII: copying char codes beats Buffer.write's call overhead several times
    // over. The first non-ASCII char hands the whole string to Buffer.write.
    const bytes = s.bytes;
    const n = v.length;
    let k = 0;
    for (; k < n; k++) {
      const code = v.charCodeAt(k);
      if (code >= 0x80) break;
      bytes[start + k] = code;
    }
    s.offsets[i + 1] = start + (k === n ? n : bytes.write(v, start, 'utf8'));
  }

  /**
   * The rows as engine columns: views over the batch's shared memory (no copy), so the batch must
   * not change until the engine is done with them (the insert has settled).
   */
  toEngineColumns(): EngineColumn[] {
    const n = this.count;
    return this.stores.map((s): EngineColumn => {
      const name = s.column.name;
      switch (s.mode) {
        case INT32:
          return { name, kind: 'int32', values: s.i32.subarray(0, n) };
        case FLOAT64:
          return { name, kind: 'float64', values: s.f64.subarray(0, n) };
        case INT64:
        case UINT64:
          return { name, kind: s.mode === INT64 ? 'int64' : 'uint64', values: s.i64.subarray(0, n) };
        case STRING:
          return {
            name,
            kind: 'string',
            offsets: s.offsets.subarray(0, n + 1),
            bytes: s.bytes.subarray(0, s.offsets[n]!),
          };
        default:
          return { name, kind: 'dictionary', codes: s.i32.subarray(0, n), dictionary: s.entries };
      }
    });
  }

  /**
   * The rows as TabSeparated text for `INSERT INTO t (columns) FORMAT TabSeparated`: 64-bit
   * integers in decimal (ClickHouse reads them exactly), times as UTC date-time text with all their
   * digits, enums by value, strings TSV-escaped.
   */
  toTabSeparated(): string {
    const n = this.count;
    const parts: string[] = new Array<string>(n);
    const stores = this.stores;
    const unsignedViews = stores.map((s) => new BigUint64Array(s.i64.buffer));
    for (let i = 0; i < n; i++) {
      let line = '';
      for (let c = 0; c < stores.length; c++) {
        const s = stores[c]!;
        if (c > 0) line += '\t';
        line += cellText(s, i, unsignedViews[c]!);
      }
      parts[i] = line;
    }
    return n === 0 ? '' : parts.join('\n') + '\n';
  }
}

// Times go over the wire as 'YYYY-MM-DD hh:mm:ss.ffffff' (UTC columns): a bare integer is only
// read as ticks when it has enough digits, while "5" is read as a malformed date.
let cachedSecond = NaN;
let cachedSecondText = '';
function timeText(ticks: number | bigint, precision: number): string {
  let seconds: number;
  let fraction: string;
  if (typeof ticks === 'number') {
    const scale = 10 ** precision;
    seconds = Math.floor(ticks / scale);
    fraction = String(ticks - seconds * scale);
  } else {
    const scale = 10n ** BigInt(precision);
    let whole = ticks / scale;
    if (ticks < 0n && whole * scale !== ticks) whole -= 1n; // floor, not truncation
    seconds = Number(whole);
    fraction = String(ticks - whole * scale);
  }
  if (seconds !== cachedSecond) {
    cachedSecond = seconds; // consecutive rows mostly share their second
    cachedSecondText = new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  return precision === 0 ? cachedSecondText : `${cachedSecondText}.${fraction.padStart(precision, '0')}`;
}

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};

function tsvText(v: string): string {
  return TSV_SPECIAL.test(v) ? v.replace(/[\\\t\n\r\0]/g, (ch) => TSV_ESCAPES[ch]!) : v;
}

function cellText(s: ColumnStore, i: number, unsigned: BigUint64Array): string {
  switch (s.mode) {
    case INT32:
      return String(s.i32[i]);
    case FLOAT64: {
      const v = s.f64[i]!;
      if (Number.isFinite(v)) return String(v);
      return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    }
    case INT64: {
      const high = s.hi[2 * i + 1]!;
      const safe = high >= -SAFE_HIGH && high < SAFE_HIGH;
      if (s.column.precision >= 0)
        return timeText(safe ? high * TWO_32 + s.lo[2 * i]! : s.i64[i]!, s.column.precision);
      return safe ? String(high * TWO_32 + s.lo[2 * i]!) : s.i64[i]!.toString();
    }
    case UINT64: {
      const high = s.lo[2 * i + 1]!; // the high word read unsigned
      if (high < SAFE_HIGH) return String(high * TWO_32 + s.lo[2 * i]!);
      return unsigned[i]!.toString();
    }
    case STRING:
      return tsvText(s.bytes.toString('utf8', s.offsets[i]!, s.offsets[i + 1]!));
    default:
      return tsvText(s.entries[s.i32[i]! - 1]!);
  }
}

/** A batch holding exactly these rows (validated as they are copied in). */
export function batchOf(table: HistoryTable, rows: readonly HistoryRow[]): ColumnBatch {
  const batch = new ColumnBatch(table, Math.max(1, rows.length));
  for (const row of rows) batch.append(row);
  return batch;
}

/** The batch an adapter's insert() sends: the one given (checked to be for this table) or one of the rows. */
export function batchFor(table: HistoryTable, rows: ColumnBatch | readonly HistoryRow[]): ColumnBatch {
  const batch = rows instanceof ColumnBatch ? rows : batchOf(table, rows);
  if (batch.table !== table) {
    throw new HistoryError(
      'HISTORY_ROW_INVALID',
      `a batch of ${batch.table.name} cannot go into ${table.name}`,
    );
  }
  return batch;
}
