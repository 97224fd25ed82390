/** What went wrong, for callers that branch on it (retry, drop, fix the code). */
export type HistoryErrorCode =
  /** The engine refused the statement: bad SQL, unknown table, a value it cannot parse. */
  | 'HISTORY_QUERY_FAILED'
  /** The engine could not be reached or failed for a transient reason: worth retrying. */
  | 'HISTORY_UNAVAILABLE'
  /** A table definition the layer cannot build DDL or an insert layout for. */
  | 'HISTORY_SCHEMA_INVALID'
  /** A row whose value does not fit its column (missing, wrong type, out of range). */
  | 'HISTORY_ROW_INVALID'
  /** A query parameter that has no ClickHouse text form here (e.g. a Date: pass micros). */
  | 'HISTORY_PARAM_INVALID'
  /** Store configuration that cannot work (no URL and no data path, bad TTL, ...). */
  | 'HISTORY_CONFIG_INVALID'
  /** A second embedded store in one process: chDB binds one data directory per process. */
  | 'HISTORY_DATA_DIR_IN_USE'
  /** The store or inserter was used after close(). */
  | 'HISTORY_CLOSED';

export interface HistoryErrorDetails {
  /** ClickHouse's numeric error code (62 SYNTAX_ERROR, 60 UNKNOWN_TABLE, ...), when the engine gave one. */
  clickhouseCode?: number;
  /** ClickHouse's error name, e.g. "SYNTAX_ERROR". */
  clickhouseType?: string;
  cause?: unknown;
}

export class HistoryError extends Error {
  override readonly name = 'HistoryError';
  readonly clickhouseCode: number | undefined;
  readonly clickhouseType: string | undefined;
  constructor(
    readonly code: HistoryErrorCode,
    message: string,
    details: HistoryErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.clickhouseCode = details.clickhouseCode;
    this.clickhouseType = details.clickhouseType;
  }

  /** A batch that failed this way may succeed later; anything else will fail the same way again. */
  get retryable(): boolean {
    return this.code === 'HISTORY_UNAVAILABLE';
  }
}

// ClickHouse error codes that describe the server's state rather than the statement: the same
// insert can succeed once the server recovers. Everything else (syntax, unknown table, a value
// that does not parse) fails identically on every retry.
const TRANSIENT_CLICKHOUSE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE (connection cut mid-request)
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);

// "Code: 62. DB::Exception: <message>. (SYNTAX_ERROR) (version ...)": the text both chDB and the
// HTTP interface use; the last "(TYPE)" marker names the error.
const CLICKHOUSE_MESSAGE = /Code: (\d+)\.[\s\S]*?\(([A-Z][A-Z0-9_]{2,})\)/;

/** Turns an engine or transport failure into a HistoryError, classifying it as transient or not. */
export function toHistoryError(err: unknown, what: string): HistoryError {
  if (err instanceof HistoryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const codeProp = (err as { code?: unknown; clickhouseCode?: unknown } | null)?.clickhouseCode;
  const match = CLICKHOUSE_MESSAGE.exec(message);
  const clickhouseCode =
    typeof codeProp === 'number' ? codeProp : match ? Number(match[1]) : clickhouseCodeOf(err);
  const clickhouseType = match?.[2] ?? (err as { type?: unknown } | null)?.type;
  if (clickhouseCode === undefined) {
    // No ClickHouse code: the request never reached an engine (refused, reset, timed out).
    return new HistoryError('HISTORY_UNAVAILABLE', `${what}: ${message}`, { cause: err });
  }
  const code = TRANSIENT_CLICKHOUSE_CODES.has(clickhouseCode)
    ? 'HISTORY_UNAVAILABLE'
    : 'HISTORY_QUERY_FAILED';
  return new HistoryError(code, `${what}: ${message}`, {
    clickhouseCode,
    clickhouseType: typeof clickhouseType === 'string' ? clickhouseType : undefined,
    cause: err,
  });
}

// @clickhouse/client's ClickHouseError carries the numeric code as a string.
function clickhouseCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
}
