import type { eventsV1 } from '@tapeline/contracts';
import {
  BatchedInserter,
  HistoryError,
  columnIndexes,
  createClickHouseStore,
  runMigrations,
  type ClickHouseStore,
  type DroppedRowsCounter,
  type DropReason,
  type HistoryTable,
  type InserterStats,
  type RowWriter,
  type TableWriter,
} from '@tapeline/history';
import type { Logger } from '@tapeline/telemetry';
import type { HistoryCursor } from './page-token';
import {
  depthSnapshotsTable,
  quotesTable,
  tickMigrations,
  TICK_TABLES,
  tradesTable,
  ttlClause,
} from './tick-tables';

export interface TickStoreConfig {
  readonly database: string;
  /** A ClickHouse server (through @clickhouse/client); embedded chDB when unset. */
  readonly url?: string;
  readonly username?: string;
  readonly password?: string;
  readonly chdbDir: string;
  readonly ttlDays: number;
}

/**
 * Opens market-data's database, applies the migrations and brings every table's TTL to the
 * configured one (a changed MARKET_DATA_HISTORY_TTL_DAYS takes effect at the next start).
 */
export async function openTickStore(config: TickStoreConfig, logger: Logger): Promise<ClickHouseStore> {
  const store = await createClickHouseStore({
    database: config.database,
    url: config.url,
    username: config.username,
    password: config.password,
    dataPath: config.chdbDir,
  });
  try {
    await runMigrations(store, tickMigrations(config.ttlDays), logger);
    const wanted = ttlClause(config.ttlDays);
    const tables = await store.query<{ name: string; engine_full: string }>(
      'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
      { names: TICK_TABLES.map((t) => t.name) },
    );
    for (const t of tables) {
      if (t.engine_full.includes(wanted)) continue;
      // Only when it changed: MODIFY TTL rewrites the parts that the new TTL affects.
      await store.command(
        `ALTER TABLE ${t.name} MODIFY TTL toDateTime(time) + INTERVAL ${config.ttlDays} DAY`,
      );
      logger.info({ table: t.name, ttlDays: config.ttlDays }, 'history TTL changed');
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

export interface TickHistoryOptions {
  readonly store: ClickHouseStore;
  readonly logger: Logger;
  readonly batchRows: number;
  readonly lingerMs: number;
  readonly maxBufferedRows: number;
  readonly droppedRows?: DroppedRowsCounter;
  /** Every drop (also logged and counted): the service raises it on `alerts`. */
  readonly onDrop?: (table: string, rows: number, reason: DropReason) => void;
}

/** One history query: [fromMicros, toMicros) of one instrument, after the cursor, oldest first. */
export interface TickQuery {
  readonly instrumentId: string;
  readonly fromMicros: bigint;
  readonly toMicros: bigint;
  readonly after?: HistoryCursor;
  readonly limit: number;
}

export interface TickPage<T> {
  readonly rows: T[];
  /** Rows of the whole range (every page). */
  readonly total: number;
  /** The sort key of the last row, when more rows follow. */
  readonly next: HistoryCursor | undefined;
}

export interface TickHistoryStats extends InserterStats {
  /** Rows refused before buffering (they did not fit their table: a bug, logged). */
  readonly rowsRefused: number;
}

// Column positions, resolved once: each event field is written straight into its column.
const KEYED = ['instrument_id', 'time', 'venue', 'sequence', 'price_scale', 'size_scale'] as const;
const STAMPED = [...KEYED, 'receive_time', 'publish_time'] as const;
const TRADE = columnIndexes(tradesTable, [...STAMPED, 'trade_id', 'price', 'size', 'aggressor_side']);
const QUOTE = columnIndexes(quotesTable, [...STAMPED, 'bid_price', 'bid_size', 'ask_price', 'ask_size']);
const LEVEL = columnIndexes(depthSnapshotsTable, [
  ...KEYED,
  'exchange_time',
  'side',
  'level',
  'price',
  'size',
]);
// depth_snapshots.side: Enum8('bid' = 1, 'ask' = 2).
const BID = 1;
const ASK = 2;
type Keyed = Readonly<Record<(typeof KEYED)[number], number>>;
type Stamped = Readonly<Record<(typeof STAMPED)[number], number>>;

// Rows are selected under the event's field names, so each one is the event as published. No alias
// reuses a column name: ClickHouse lets a SELECT alias shadow a column in WHERE and ORDER BY.
// Int64/UInt64 come back as decimal strings (the store's engine settings), as ts-proto has them.
const COMMON_COLUMNS = [
  'instrument_id AS instrumentId',
  'venue',
  'sequence',
  'price_scale AS priceScale',
  'size_scale AS sizeScale',
  'toUnixTimestamp64Micro(time) AS exchangeTimeMicros',
  'toUnixTimestamp64Micro(receive_time) AS receiveTimeMicros',
  'toUnixTimestamp64Micro(publish_time) AS publishTimeMicros',
];
const TRADE_COLUMNS = [
  ...COMMON_COLUMNS,
  'trade_id AS tradeId',
  'price',
  'size',
  'toInt8(aggressor_side) AS aggressorSide',
].join(', ');
const QUOTE_COLUMNS = [
  ...COMMON_COLUMNS,
  'bid_price AS bidPrice',
  'bid_size AS bidSize',
  'ask_price AS askPrice',
  'ask_size AS askSize',
].join(', ');

/**
 * market-data's tick history: trades, quotes and periodic depth snapshots written through a
 * BatchedInserter (record* writes the event's fields straight into the columns of the table's
 * filling batch and returns; inserts run off the feed's path, retried while the store is down),
 * and read back for ListTrades/ListQuotes. The int64 fields arrive as ts-proto's decimal strings
 * and go in through setDecimal: a safe integer without bigint work, larger values exactly, and
 * anything that is not an integer refused with an error naming the column.
 */
export class TickHistory {
  private readonly inserter: BatchedInserter;
  private readonly store: ClickHouseStore;
  private readonly logger: Logger;
  private readonly droppedRows: DroppedRowsCounter | undefined;
  private readonly trades: TableWriter;
  private readonly quotes: TableWriter;
  private readonly levels: TableWriter;
  private rowsRefused = 0;
  private lastRefusalLog = 0;

  constructor(options: TickHistoryOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.droppedRows = options.droppedRows;
    this.inserter = new BatchedInserter({
      store: options.store,
      logger: options.logger,
      batchRows: options.batchRows,
      lingerMs: options.lingerMs,
      maxBufferedRows: options.maxBufferedRows,
      ...(options.droppedRows ? { droppedRows: options.droppedRows } : {}),
      ...(options.onDrop ? { onDrop: options.onDrop } : {}),
    });
    this.trades = this.inserter.writer(tradesTable);
    this.quotes = this.inserter.writer(quotesTable);
    this.levels = this.inserter.writer(depthSnapshotsTable);
  }

  recordTrade(e: eventsV1.TradeEvent): void {
    this.record(this.trades, writeTrade, e);
  }

  recordQuote(e: eventsV1.QuoteEvent): void {
    this.record(this.quotes, writeQuote, e);
  }

  /** One row per level of a (periodic) snapshot, taken at its publish time. */
  recordDepthSnapshot(e: eventsV1.DepthEvent): void {
    for (let i = 0; i < e.bids.length; i++) this.record(this.levels, writeLevel, e, BID, i);
    for (let i = 0; i < e.asks.length; i++) this.record(this.levels, writeLevel, e, ASK, i);
  }

  listTrades(q: TickQuery): Promise<TickPage<eventsV1.TradeEvent>> {
    return this.page<eventsV1.TradeEvent>(tradesTable, TRADE_COLUMNS, q);
  }

  listQuotes(q: TickQuery): Promise<TickPage<eventsV1.QuoteEvent>> {
    return this.page<eventsV1.QuoteEvent>(quotesTable, QUOTE_COLUMNS, q);
  }

  stats(): TickHistoryStats {
    return { ...this.inserter.stats(), rowsRefused: this.rowsRefused };
  }

  /** Writes everything buffered now (tests, shutdown). */
  flush(): Promise<void> {
    return this.inserter.flush();
  }

  /** Drains the buffers (dropping, with a count and a log, what the store cannot take in time), then closes the store. */
  async close(timeoutMs: number): Promise<void> {
    await this.inserter.close(timeoutMs);
    await this.store.close();
  }

  /** One row: its fields written by `write`, or, when one does not fit, refused and counted. */
  private record<E>(
    writer: TableWriter,
    write: (r: RowWriter, e: E, side: number, level: number) => void,
    e: E,
    side = 0,
    level = 0,
  ): void {
    try {
      write(writer.begin(), e, side, level);
      writer.commit();
    } catch (err) {
      this.refused(writer.table, err);
    }
  }

  private refused(table: HistoryTable, err: unknown): void {
    // A row that does not fit its table is a bug, and after close() the feed is stopping:
    // either way the feed goes on; the row is counted as dropped and logged (at most 1/s).
    this.rowsRefused++;
    const reason: DropReason =
      err instanceof HistoryError && err.code === 'HISTORY_CLOSED' ? 'shutdown' : 'rejected';
    this.droppedRows?.inc({ table: table.name, reason }, 1);
    const now = Date.now();
    if (now - this.lastRefusalLog >= 1000) {
      this.lastRefusalLog = now;
      this.logger.error({ err, table: table.name, rowsRefused: this.rowsRefused }, 'history row refused');
    }
  }

  private async page<T extends { exchangeTimeMicros: string; venue: string; sequence: string }>(
    table: HistoryTable,
    columns: string,
    q: TickQuery,
  ): Promise<TickPage<T>> {
    const range =
      'instrument_id = {id:String} AND time >= fromUnixTimestamp64Micro({from:Int64}) AND time < fromUnixTimestamp64Micro({to:Int64})';
    const params = {
      id: q.instrumentId,
      from: q.fromMicros,
      to: q.toMicros,
      limit: q.limit + 1,
      ...(q.after ? { at: q.after.timeMicros, venue: q.after.venue, seq: q.after.sequence } : {}),
    };
    // Keyset paging on the sort key: stable while rows keep arriving, and no OFFSET scan.
    const after = q.after
      ? ' AND (time, venue, sequence) > (fromUnixTimestamp64Micro({at:Int64}), {venue:String}, {seq:UInt64})'
      : '';
    const [records, counts] = await Promise.all([
      this.store.query<T>(
        `SELECT ${columns} FROM ${table.name} WHERE ${range}${after}
         ORDER BY time, venue, sequence LIMIT {limit:UInt32}`,
        params,
      ),
      this.store.query<{ total: number }>(
        `SELECT toUInt32(count()) AS total FROM ${table.name} WHERE ${range}`,
        params,
      ),
    ]);
    const more = records.length > q.limit;
    const rows = more ? records.slice(0, q.limit) : records;
    const last = more ? rows[q.limit - 1]! : undefined;
    return {
      rows,
      total: counts[0]?.total ?? 0,
      next: last
        ? { timeMicros: BigInt(last.exchangeTimeMicros), venue: last.venue, sequence: BigInt(last.sequence) }
        : undefined,
    };
  }
}

/** The columns every table starts with: the sort key, the venue and its sequence, the scales. */
function keyed(
  r: RowWriter,
  c: Keyed,
  e: eventsV1.TradeEvent | eventsV1.QuoteEvent | eventsV1.DepthEvent,
  time: string,
): void {
  r.setString(c.instrument_id, e.instrumentId);
  r.setDecimal(c.time, time);
  r.setString(c.venue, e.venue);
  r.setDecimal(c.sequence, e.sequence);
  r.setNumber(c.price_scale, e.priceScale);
  r.setNumber(c.size_scale, e.sizeScale);
}

/** Trades and quotes: keyed by exchange time, with the receive and publish times. */
function stamped(r: RowWriter, c: Stamped, e: eventsV1.TradeEvent | eventsV1.QuoteEvent): void {
  keyed(r, c, e, e.exchangeTimeMicros);
  r.setDecimal(c.receive_time, e.receiveTimeMicros);
  r.setDecimal(c.publish_time, e.publishTimeMicros);
}

function writeTrade(r: RowWriter, e: eventsV1.TradeEvent): void {
  stamped(r, TRADE, e);
  r.setString(TRADE.trade_id, e.tradeId);
  r.setDecimal(TRADE.price, e.price);
  r.setDecimal(TRADE.size, e.size);
  r.setNumber(TRADE.aggressor_side, e.aggressorSide);
}

function writeQuote(r: RowWriter, e: eventsV1.QuoteEvent): void {
  stamped(r, QUOTE, e);
  r.setDecimal(QUOTE.bid_price, e.bidPrice);
  r.setDecimal(QUOTE.bid_size, e.bidSize);
  r.setDecimal(QUOTE.ask_price, e.askPrice);
  r.setDecimal(QUOTE.ask_size, e.askSize);
}

/** Level `level` of the snapshot's side (BID or ASK), best first. */
function writeLevel(r: RowWriter, e: eventsV1.DepthEvent, side: number, level: number): void {
  const at = (side === BID ? e.bids : e.asks)[level]!;
  keyed(r, LEVEL, e, e.publishTimeMicros);
  r.setDecimal(LEVEL.exchange_time, e.exchangeTimeMicros);
  r.setNumber(LEVEL.side, side);
  r.setNumber(LEVEL.level, level);
  r.setDecimal(LEVEL.price, at.price);
  r.setDecimal(LEVEL.size, at.size);
}
