import {
  Codecs,
  createTableSql,
  defineTable,
  type ColumnSpec,
  type HistoryTable,
  type Migration,
} from '@tapeline/history';

// market-data's own ClickHouse database. Every table is sorted by (instrument_id, time) so a query
// for one instrument over a time range reads one contiguous run, partitioned by day so that the
// TTL drops whole days, and expires rows by `time` after MARKET_DATA_HISTORY_TTL_DAYS. (No column
// comments beside codecs: libs/history writes COMMENT after CODEC, which ClickHouse refuses.)

const layout = {
  orderBy: ['instrument_id', 'time'],
  partitionBy: 'toDate(time)',
  ttlColumn: 'time',
} as const;

const time = (name: string): ColumnSpec => ({ name, type: "DateTime64(6, 'UTC')", codec: Codecs.timestamp });
const price = (name: string): ColumnSpec => ({ name, type: 'Int64', codec: Codecs.price });
const quantity = (name: string): ColumnSpec => ({ name, type: 'Int64', codec: Codecs.quantity });

/** Every table leads with the sort key, then the venue and its sequence number. */
const KEY: readonly ColumnSpec[] = [
  { name: 'instrument_id', type: 'LowCardinality(String)' },
  time('time'),
  { name: 'venue', type: 'LowCardinality(String)' },
  { name: 'sequence', type: 'UInt64', codec: Codecs.price },
];
const SCALES: readonly ColumnSpec[] = [
  { name: 'price_scale', type: 'UInt8' },
  { name: 'size_scale', type: 'UInt8' },
];
const STAMPS: readonly ColumnSpec[] = [time('receive_time'), time('publish_time')];

/** Trades as published on `trades`; `time` is the exchange time. */
export const tradesTable: HistoryTable = defineTable({
  name: 'trades',
  columns: [
    ...KEY,
    { name: 'trade_id', type: 'String', codec: Codecs.generic },
    ...SCALES,
    price('price'),
    quantity('size'),
    // Values of tapeline.common.v1.Side.
    { name: 'aggressor_side', type: "Enum8('unspecified' = 0, 'buy' = 1, 'sell' = 2)" },
    ...STAMPS,
  ],
  ...layout,
});

/** Top-of-book quotes as published on `quotes`; `time` is the exchange time. */
export const quotesTable: HistoryTable = defineTable({
  name: 'quotes',
  columns: [
    ...KEY,
    ...SCALES,
    price('bid_price'),
    quantity('bid_size'),
    price('ask_price'),
    quantity('ask_size'),
    ...STAMPS,
  ],
  ...layout,
});

/**
 * Periodic depth snapshots, one row per level (no array columns: the history layer inserts
 * scalars). `time` is when the snapshot was taken; `exchange_time` that of the last update in it.
 */
export const depthSnapshotsTable: HistoryTable = defineTable({
  name: 'depth_snapshots',
  columns: [
    ...KEY,
    { name: 'side', type: "Enum8('bid' = 1, 'ask' = 2)" },
    { name: 'level', type: 'UInt16', comment: '0 = best' },
    ...SCALES,
    price('price'),
    quantity('size'),
    time('exchange_time'),
  ],
  ...layout,
});

export const TICK_TABLES: readonly HistoryTable[] = [tradesTable, quotesTable, depthSnapshotsTable];

/** The schema steps, in order; each CREATE carries the TTL configured when it first ran. */
export function tickMigrations(ttlDays: number): Migration[] {
  return [
    { id: '0001_trades', statements: [createTableSql(tradesTable, { ttlDays })] },
    { id: '0002_quotes', statements: [createTableSql(quotesTable, { ttlDays })] },
    { id: '0003_depth_snapshots', statements: [createTableSql(depthSnapshotsTable, { ttlDays })] },
  ];
}

/** The TTL clause a table should carry for `ttlDays`, as ClickHouse prints it in engine_full. */
export function ttlClause(ttlDays: number): string {
  return `TTL toDateTime(time) + toIntervalDay(${ttlDays})`;
}
