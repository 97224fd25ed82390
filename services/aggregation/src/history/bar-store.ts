import type { Bar, HeatmapColumn } from '@tapeline/aggregates';
import {
  BatchedInserter,
  Codecs,
  createClickHouseStore,
  createTableSql,
  defineTable,
  runMigrations,
  type ClickHouseStore,
  type DroppedRowsCounter,
  type HistoryStoreConfig,
} from '@tapeline/history';
import type { Logger } from '@tapeline/telemetry';

// The bar a row belongs to: its series and open time.
const SERIES_KEY = [
  { name: 'instrument_id', type: 'LowCardinality(String)' },
  { name: 'bar_type', type: 'LowCardinality(String)' },
  { name: 'open_time', type: "DateTime64(6, 'UTC')", codec: Codecs.timestamp },
] as const;

// ReplacingMergeTree keyed by (instrument, bar type, open time): a bar written twice (a replay
// after a crash between publishing it and checkpointing) collapses to one row; reads use FINAL.
const bars = defineTable({
  name: 'bars',
  columns: [
    ...SERIES_KEY,
    { name: 'close_time', type: "DateTime64(6, 'UTC')", codec: Codecs.timestamp },
    { name: 'price_scale', type: 'UInt8' },
    { name: 'size_scale', type: 'UInt8' },
    { name: 'open', type: 'Int64', codec: Codecs.price },
    { name: 'high', type: 'Int64', codec: Codecs.price },
    { name: 'low', type: 'Int64', codec: Codecs.price },
    { name: 'close', type: 'Int64', codec: Codecs.price },
    { name: 'volume', type: 'Int64', codec: Codecs.quantity },
    { name: 'buy_volume', type: 'Int64', codec: Codecs.quantity },
    { name: 'sell_volume', type: 'Int64', codec: Codecs.quantity },
    { name: 'trade_count', type: 'UInt32', codec: Codecs.quantity },
    { name: 'vwap', type: 'Int64', codec: Codecs.price },
    { name: 'poc_price', type: 'Int64', codec: Codecs.price },
    { name: 'cumulative_delta', type: 'Int64', codec: Codecs.generic },
    { name: 'bearish_divergence', type: 'Bool' },
    { name: 'bullish_divergence', type: 'Bool' },
  ],
  orderBy: ['instrument_id', 'bar_type', 'open_time'],
  partitionBy: 'toDate(open_time)',
  ttlColumn: 'open_time',
  engine: 'ReplacingMergeTree',
});

const footprints = defineTable({
  name: 'footprints',
  columns: [
    ...SERIES_KEY,
    { name: 'price', type: 'Int64', codec: Codecs.price },
    { name: 'bid_volume', type: 'Int64', codec: Codecs.quantity },
    { name: 'ask_volume', type: 'Int64', codec: Codecs.quantity },
    { name: 'bid_trades', type: 'UInt32', codec: Codecs.quantity },
    { name: 'ask_trades', type: 'UInt32', codec: Codecs.quantity },
    { name: 'ask_imbalance', type: 'Bool' },
    { name: 'bid_imbalance', type: 'Bool' },
  ],
  orderBy: ['instrument_id', 'bar_type', 'open_time', 'price'],
  partitionBy: 'toDate(open_time)',
  ttlColumn: 'open_time',
  engine: 'ReplacingMergeTree',
});

// One row per price bucket of each heatmap column (the book at the end of the column's second).
const heatmap = defineTable({
  name: 'heatmap',
  columns: [
    { name: 'instrument_id', type: 'LowCardinality(String)' },
    { name: 'time', type: "DateTime64(6, 'UTC')", codec: Codecs.timestamp },
    { name: 'price', type: 'Int64', codec: Codecs.price },
    { name: 'bid_size', type: 'Int64', codec: Codecs.quantity },
    { name: 'ask_size', type: 'Int64', codec: Codecs.quantity },
  ],
  orderBy: ['instrument_id', 'time', 'price'],
  partitionBy: 'toDate(time)',
  ttlColumn: 'time',
  engine: 'ReplacingMergeTree',
});

/** A closed bar as stored: int64 fields as decimal strings, times as micros strings. */
export interface StoredBar {
  instrument_id: string;
  bar_type: string;
  open_us: string;
  close_us: string;
  price_scale: number;
  size_scale: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  buy_volume: string;
  sell_volume: string;
  trade_count: number;
  vwap: string;
  poc_price: string;
  cumulative_delta: string;
  bearish_divergence: boolean;
  bullish_divergence: boolean;
}

export interface StoredFootprintLevel {
  open_us: string;
  price: string;
  bid_volume: string;
  ask_volume: string;
  bid_trades: number;
  ask_trades: number;
  ask_imbalance: boolean;
  bid_imbalance: boolean;
}

export interface HeatmapCell {
  step_us: string;
  bucket: string;
  bid: string;
  ask: string;
}

// Aliases never reuse a column name: ClickHouse would read the alias in WHERE as well.
const BAR_COLUMNS = `instrument_id, bar_type, toUnixTimestamp64Micro(open_time) AS open_us,
  toUnixTimestamp64Micro(close_time) AS close_us, price_scale, size_scale, open, high, low, close,
  volume, buy_volume, sell_volume, trade_count, vwap, poc_price, cumulative_delta,
  bearish_divergence, bullish_divergence`;
const SERIES = 'instrument_id = {instrument:String} AND bar_type = {barType:String}';
const micros = (name: string): string => `fromUnixTimestamp64Micro({${name}:Int64})`;

/** Key of one bar series in the maps below. */
export const seriesKey = (instrumentId: string, barType: string): string => `${instrumentId} ${barType}`;

/**
 * Aggregation's own ClickHouse database (chDB embedded, or a server when CLICKHOUSE_URL is set):
 * closed bars, their footprints and the depth heatmap. Writes go through a BatchedInserter (off
 * the consumer's path); flush() is what a checkpoint waits for.
 */
export class BarStore {
  private constructor(
    private readonly store: ClickHouseStore,
    private readonly inserter: BatchedInserter,
  ) {}

  static async open(
    config: HistoryStoreConfig & { ttlDays: number },
    logger: Logger,
    droppedRows?: DroppedRowsCounter,
  ): Promise<BarStore> {
    const store = await createClickHouseStore(config);
    const ttl = { ttlDays: config.ttlDays };
    await runMigrations(
      store,
      [
        {
          id: '0001_bars_footprints_heatmap',
          statements: [
            createTableSql(bars, ttl),
            createTableSql(footprints, ttl),
            createTableSql(heatmap, ttl),
          ],
        },
      ],
      logger,
    );
    // A short linger: a crash between publishing a bar and storing it is what re-publishes it.
    const inserter = new BatchedInserter({
      store,
      logger,
      lingerMs: 100,
      batchRows: 5000,
      ...(droppedRows ? { droppedRows } : {}),
    });
    return new BarStore(store, inserter);
  }

  get kind(): 'embedded' | 'server' {
    return this.store.kind;
  }

  appendBar(bar: Bar, priceScale: number, sizeScale: number): void {
    const fp = bar.footprint;
    this.inserter.append(bars, {
      instrument_id: bar.instrumentId,
      bar_type: bar.barType,
      open_time: bar.openTimeMicros,
      close_time: bar.closeTimeMicros,
      price_scale: priceScale,
      size_scale: sizeScale,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
      buy_volume: bar.buyVolume,
      sell_volume: bar.sellVolume,
      trade_count: bar.tradeCount,
      vwap: bar.vwap,
      poc_price: fp?.pocPrice ?? 0,
      cumulative_delta: bar.cumulativeDelta,
      bearish_divergence: bar.bearishDivergence,
      bullish_divergence: bar.bullishDivergence,
    });
    if (fp === null) return;
    for (const l of fp.levels) {
      this.inserter.append(footprints, {
        instrument_id: bar.instrumentId,
        bar_type: bar.barType,
        open_time: bar.openTimeMicros,
        price: l.price,
        bid_volume: l.bidVolume,
        ask_volume: l.askVolume,
        bid_trades: l.bidTrades,
        ask_trades: l.askTrades,
        ask_imbalance: l.buyImbalance,
        bid_imbalance: l.sellImbalance,
      });
    }
  }

  appendHeatmapColumn(instrumentId: string, column: HeatmapColumn): void {
    for (let i = 0; i < column.prices.length; i++) {
      this.inserter.append(heatmap, {
        instrument_id: instrumentId,
        time: column.timeMicros,
        price: column.prices[i]!,
        bid_size: column.bidSizes[i]!,
        ask_size: column.askSizes[i]!,
      });
    }
  }

  /** The newest stored bar open time per series, and heatmap column time per instrument. */
  async storedThrough(): Promise<{ bars: Map<string, number>; heatmap: Map<string, number> }> {
    const barRows = await this.store.query<{ instrument_id: string; bar_type: string; t: string }>(
      'SELECT instrument_id, bar_type, toUnixTimestamp64Micro(max(open_time)) AS t FROM bars GROUP BY instrument_id, bar_type',
    );
    const heatRows = await this.store.query<{ instrument_id: string; t: string }>(
      'SELECT instrument_id, toUnixTimestamp64Micro(max(time)) AS t FROM heatmap GROUP BY instrument_id',
    );
    return {
      bars: new Map(barRows.map((r) => [seriesKey(r.instrument_id, r.bar_type), Number(r.t)])),
      heatmap: new Map(heatRows.map((r) => [r.instrument_id, Number(r.t)])),
    };
  }

  /** Closed bars of a series with open time in [from, to) and after `after`, oldest first. */
  async listBars(
    instrumentId: string,
    barType: string,
    range: { fromMicros: number; toMicros: number; afterMicros: number | null },
    limit: number,
  ): Promise<{ bars: StoredBar[]; total: number }> {
    const params = {
      instrument: instrumentId,
      barType,
      from: range.fromMicros,
      to: range.toMicros,
      after: range.afterMicros ?? -1,
      limit,
    };
    const where = `${SERIES} AND open_time >= ${micros('from')} AND open_time < ${micros('to')}`;
    const [rows, count] = await Promise.all([
      this.store.query<StoredBar>(
        `SELECT ${BAR_COLUMNS} FROM bars FINAL WHERE ${where} AND open_time > ${micros('after')}
         ORDER BY open_time LIMIT {limit:UInt32}`,
        params,
      ),
      this.store.query<{ n: string }>(`SELECT count() AS n FROM bars FINAL WHERE ${where}`, params),
    ]);
    return { bars: rows, total: Number(count[0]?.n ?? 0) };
  }

  /** Footprint levels of bars of a series with open time in [first, last], by open time then price. */
  footprintsOf(instrumentId: string, barType: string, firstMicros: number, lastMicros: number) {
    return this.store.query<StoredFootprintLevel>(
      `SELECT toUnixTimestamp64Micro(open_time) AS open_us, price, bid_volume, ask_volume, bid_trades,
         ask_trades, ask_imbalance, bid_imbalance
       FROM footprints FINAL WHERE ${SERIES}
         AND open_time >= ${micros('first')} AND open_time <= ${micros('last')}
       ORDER BY open_us, price`,
      { instrument: instrumentId, barType, first: firstMicros, last: lastMicros },
    );
  }

  /** The latest `limit` closed bars of a series, oldest first. */
  async latestBars(instrumentId: string, barType: string, limit: number): Promise<StoredBar[]> {
    const rows = await this.store.query<StoredBar>(
      `SELECT ${BAR_COLUMNS} FROM bars FINAL WHERE ${SERIES} ORDER BY open_time DESC LIMIT {limit:UInt32}`,
      { instrument: instrumentId, barType, limit },
    );
    return rows.reverse();
  }

  /** Aggressor volume per price summed over the footprints of bars with open time in [from, to). */
  volumeByPrice(instrumentId: string, barType: string, fromMicros: number, toMicros: number) {
    return this.store.query<{ price: string; bid: string; ask: string }>(
      `SELECT price, sum(bid_volume) AS bid, sum(ask_volume) AS ask
       FROM footprints FINAL WHERE ${SERIES}
         AND open_time >= ${micros('from')} AND open_time < ${micros('to')}
       GROUP BY price ORDER BY price`,
      { instrument: instrumentId, barType, from: fromMicros, to: toMicros },
    );
  }

  /**
   * The heatmap on a coarser grid: for each step in [from, to), the last stored column inside it
   * (the book as it stood at the end of the step), its levels summed into buckets of `bucket`.
   */
  heatmapCells(
    instrumentId: string,
    fromMicros: number,
    toMicros: number,
    stepMicros: number,
    bucket: number,
  ) {
    const inRange = `instrument_id = {instrument:String} AND time >= ${micros('from')} AND time < ${micros('to')}`;
    return this.store.query<HeatmapCell>(
      `SELECT intDiv(toUnixTimestamp64Micro(time), {step:Int64}) * {step:Int64} AS step_us,
         price - ((price % {bucket:Int64}) + {bucket:Int64}) % {bucket:Int64} AS bucket,
         sum(bid_size) AS bid, sum(ask_size) AS ask
       FROM heatmap FINAL
       WHERE ${inRange} AND time IN (
         SELECT max(time) FROM heatmap FINAL WHERE ${inRange}
         GROUP BY intDiv(toUnixTimestamp64Micro(time), {step:Int64}))
       GROUP BY step_us, bucket ORDER BY step_us, bucket`,
      { instrument: instrumentId, from: fromMicros, to: toMicros, step: stepMicros, bucket },
    );
  }

  /** Resolves once every row appended so far is in the store (or dropped, counted and logged). */
  flush(): Promise<void> {
    return this.inserter.flush();
  }

  async close(): Promise<void> {
    await this.inserter.close();
    await this.store.close();
  }
}
