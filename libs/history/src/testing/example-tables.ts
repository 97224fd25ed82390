import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codecs, columnIndexes, defineTable } from '../table';

/**
 * The DDL style history tables follow, on the shape of market-data's trades: sorted by instrument
 * then time, daily partitions, delta codecs on times and prices, LowCardinality for the venue,
 * rows expiring by `time` when a TTL is configured.
 */
export const exampleTrades = defineTable({
  name: 'trades',
  columns: [
    { name: 'instrument_id', type: 'UInt32' },
    { name: 'time', type: "DateTime64(6, 'UTC')", codec: Codecs.timestamp },
    { name: 'price', type: 'Int64', codec: Codecs.price },
    { name: 'size', type: 'Int64', codec: Codecs.quantity },
    { name: 'side', type: "Enum8('buy' = 1, 'sell' = 2)" },
    { name: 'trade_id', type: 'String', codec: Codecs.generic },
    { name: 'venue', type: 'LowCardinality(String)' },
  ],
  orderBy: ['instrument_id', 'time'],
  partitionBy: 'toDate(time)',
  ttlColumn: 'time',
});

/** exampleTrades' column positions, for tests that write rows field by field. */
export const exampleTradeColumns = columnIndexes(exampleTrades, [
  'instrument_id',
  'time',
  'price',
  'size',
  'side',
  'trade_id',
  'venue',
]);

/** A fresh directory under the OS temp dir, and its removal. */
export function tempDataDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
