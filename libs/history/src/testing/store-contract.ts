// The behaviour every ClickHouseStore adapter must show, run unchanged against each of them (one
// test file per adapter, so each runs in its own process with its own chDB data directory).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HistoryError } from '../errors';
import { runMigrations } from '../migrations';
import { ColumnBatch } from '../column-batch';
import type { ClickHouseStore } from '../store';
import { createTableSql, defineTable } from '../table';
import { exampleTrades } from './example-tables';

export interface OpenedStore {
  readonly store: ClickHouseStore;
  cleanup(): Promise<void>;
}

// 2025-11-22T08:26:40Z in micros; the fractional parts below are written out by hand.
const T0 = 1_763_800_000_000_000;
const TWO_53_PLUS_1 = 9_007_199_254_740_993n; // not representable as a JS number
const INT64_MAX = '9223372036854775807';

interface TradeOut {
  instrument_id: number;
  time: string;
  us: string;
  price: string;
  size: string;
  side: string;
  trade_id: string;
  venue: string;
}

const SELECT_TRADES = `SELECT instrument_id, time, toUnixTimestamp64Micro(time) AS us, price, size, side, trade_id, venue
FROM trades`;

export function describeStoreContract(label: string, open: () => Promise<OpenedStore>): void {
  describe(`ClickHouseStore contract: ${label}`, () => {
    let opened: OpenedStore;
    let store: ClickHouseStore;

    before(async () => {
      opened = await open();
      store = opened.store;
      const result = await runMigrations(store, [
        { id: '0001_trades', statements: [createTableSql(exampleTrades, { ttlDays: 3650 })] },
      ]);
      assert.deepEqual(result.applied, ['0001_trades']);
      await store.insert(exampleTrades, [
        {
          instrument_id: 7,
          time: T0 + 123_457,
          price: TWO_53_PLUS_1,
          size: INT64_MAX,
          side: 'sell',
          trade_id: 'a',
          venue: 'XNAS',
        },
        {
          instrument_id: 7,
          time: T0 + 2_000_000,
          price: 101,
          size: 3,
          side: 1,
          trade_id: 'b\'\t\\\n"é',
          venue: 'XNAS',
        },
        { instrument_id: 8, time: T0 + 1, price: -250, size: 1n, side: 'buy', trade_id: 'c', venue: 'XLON' },
      ]);
    });

    after(async () => {
      await opened.cleanup();
    });

    it('creates the table with the declared types, codecs, key, partitioning and TTL', async () => {
      const columns = await store.query<{ name: string; type: string; compression_codec: string }>(
        `SELECT name, type, compression_codec FROM system.columns
         WHERE database = {db:String} AND table = 'trades' ORDER BY position`,
        { db: store.database },
      );
      assert.deepEqual(columns, [
        { name: 'instrument_id', type: 'UInt32', compression_codec: '' },
        { name: 'time', type: "DateTime64(6, 'UTC')", compression_codec: 'CODEC(DoubleDelta, ZSTD(1))' },
        { name: 'price', type: 'Int64', compression_codec: 'CODEC(Delta(8), ZSTD(1))' },
        { name: 'size', type: 'Int64', compression_codec: 'CODEC(T64, ZSTD(1))' },
        { name: 'side', type: "Enum8('buy' = 1, 'sell' = 2)", compression_codec: '' },
        { name: 'trade_id', type: 'String', compression_codec: 'CODEC(ZSTD(1))' },
        { name: 'venue', type: 'LowCardinality(String)', compression_codec: '' },
      ]);
      const [table] = await store.query<{
        engine: string;
        sorting_key: string;
        partition_key: string;
        create_table_query: string;
      }>(
        `SELECT engine, sorting_key, partition_key, create_table_query FROM system.tables
         WHERE database = {db:String} AND name = 'trades'`,
        { db: store.database },
      );
      assert.equal(table!.engine, 'MergeTree');
      assert.equal(table!.sorting_key, 'instrument_id, time');
      assert.equal(table!.partition_key, 'toDate(time)');
      assert.match(table!.create_table_query, /TTL toDateTime\(time\) \+ toIntervalDay\(3650\)/);
    });

    it('records migrations and skips them on the next run', async () => {
      const again = await runMigrations(store, [
        { id: '0001_trades', statements: [createTableSql(exampleTrades, { ttlDays: 3650 })] },
      ]);
      assert.deepEqual(again, { applied: [], alreadyApplied: ['0001_trades'] });
      const recorded = await store.query<{ id: string }>('SELECT id FROM schema_migrations');
      assert.deepEqual(recorded, [{ id: '0001_trades' }]);
    });

    it('selects rows by typed parameters', async () => {
      const rows = await store.query<TradeOut>(
        `${SELECT_TRADES} WHERE instrument_id = {instrument:UInt32}
           AND time >= fromUnixTimestamp64Micro({from:Int64}) AND time < fromUnixTimestamp64Micro({to:Int64})
         ORDER BY time`,
        { instrument: 7, from: T0, to: T0 + 1_000_000 },
      );
      assert.deepEqual(
        rows.map((r) => [r.instrument_id, r.us, r.side, r.trade_id]),
        [[7, String(T0 + 123_457), 'sell', 'a']],
      );
    });

    it('round-trips Int64 values beyond 2^53 exactly, as decimal strings', async () => {
      const [row] = await store.query<TradeOut>(`${SELECT_TRADES} WHERE trade_id = 'a'`);
      assert.equal(row!.price, '9007199254740993');
      assert.equal(row!.size, INT64_MAX);
      // Bound as a bigint, the parameter matches 2^53 + 1 and not its float neighbour 2^53.
      const exact = await store.query<{ n: string }>(
        'SELECT count() AS n FROM trades WHERE price = {p:Int64}',
        {
          p: TWO_53_PLUS_1,
        },
      );
      const rounded = await store.query<{ n: string }>(
        'SELECT count() AS n FROM trades WHERE price = {p:Int64}',
        {
          p: 9_007_199_254_740_992n,
        },
      );
      assert.deepEqual([exact[0]!.n, rounded[0]!.n], ['1', '0']);
    });

    it('round-trips DateTime64(6) to the microsecond', async () => {
      const rows = await store.query<TradeOut>(`${SELECT_TRADES} ORDER BY time`);
      assert.deepEqual(
        rows.map((r) => [r.time, r.us]),
        [
          ['2025-11-22 08:26:40.000001', '1763800000000001'],
          ['2025-11-22 08:26:40.123457', '1763800000123457'],
          ['2025-11-22 08:26:42.000000', '1763800002000000'],
        ],
      );
    });

    it('keeps strings byte for byte and binds string parameters as values, not SQL', async () => {
      const odd = 'b\'\t\\\n"é';
      const [row] = await store.query<TradeOut>(`${SELECT_TRADES} WHERE trade_id = {id:String}`, { id: odd });
      assert.equal(row!.trade_id, odd);
      assert.equal(row!.price, '101');
      const injected = await store.query(`${SELECT_TRADES} WHERE trade_id = {id:String}`, {
        id: "x' OR 1=1 --",
      });
      assert.deepEqual(injected, []);
      const listed = await store.query<{ trade_id: string }>(
        'SELECT trade_id FROM trades WHERE trade_id IN {ids:Array(String)} ORDER BY trade_id',
        { ids: ['c', odd, 'zz'] },
      );
      assert.deepEqual(listed, [{ trade_id: odd }, { trade_id: 'c' }]);
    });

    it('raises a typed error carrying ClickHouse code and name for bad SQL and unknown tables', async () => {
      await assert.rejects(store.query('SELEC 1'), (err: unknown) => {
        assert.ok(err instanceof HistoryError);
        assert.equal(err.code, 'HISTORY_QUERY_FAILED');
        assert.equal(err.clickhouseCode, 62);
        assert.equal(err.clickhouseType, 'SYNTAX_ERROR');
        assert.equal(err.retryable, false);
        return true;
      });
      await assert.rejects(store.command('ALTER TABLE no_such_table ADD COLUMN x UInt8'), (err: unknown) => {
        assert.ok(err instanceof HistoryError);
        assert.equal(err.clickhouseCode, 60);
        return true;
      });
    });

    it('refuses a row that does not fit its column and writes nothing of the insert', async () => {
      const before = await store.query<{ n: string }>('SELECT count() AS n FROM trades');
      await assert.rejects(
        store.insert(exampleTrades, [
          { instrument_id: 9, time: T0, price: 1, size: 1, side: 'buy', trade_id: 'ok', venue: 'X' },
          { instrument_id: 9, time: T0, price: 2 ** 53, size: 1, side: 'buy', trade_id: 'bad', venue: 'X' },
        ]),
        (err: unknown) =>
          err instanceof HistoryError &&
          err.code === 'HISTORY_ROW_INVALID' &&
          /trades\.price/.test(err.message),
      );
      const afterwards = await store.query<{ n: string }>('SELECT count() AS n FROM trades');
      assert.deepEqual(afterwards, before);
    });

    it('inserts several batches as one insert, LowCardinality values byte for byte', async () => {
      const venues = defineTable({
        name: 'venue_probe',
        columns: [
          { name: 'n', type: 'Int64' },
          { name: 'venue', type: 'LowCardinality(String)' },
          { name: 'note', type: 'String' },
        ],
        orderBy: ['n'],
      });
      await store.command(createTableSql(venues));
      const odd = "x'\\\t\n]é"; // a quote, a backslash, a tab, a newline, a bracket, non-ASCII
      const first = new ColumnBatch(venues, 4);
      const second = new ColumnBatch(venues, 4);
      first.append({ n: 1, venue: 'XNAS', note: 'a' });
      first.append({ n: 2, venue: odd, note: 'b' });
      first.append({ n: 3, venue: 'XNAS', note: 'c' });
      second.append({ n: 4, venue: odd, note: 'd' }); // code 1 in this batch, 2 in the first
      second.append({ n: 5, venue: 'XLON', note: 'e' });
      const inserted = await store.insertBatches!(venues, [first, second]);
      assert.equal(inserted, 5);
      const rows = await store.query<{ n: string; venue: string; parts: string }>(
        'SELECT n, venue, toString(uniqExact(_part) OVER ()) AS parts FROM venue_probe ORDER BY n',
      );
      assert.deepEqual(
        rows.map((r) => [r.n, r.venue]),
        [
          ['1', 'XNAS'],
          ['2', odd],
          ['3', 'XNAS'],
          ['4', odd],
          ['5', 'XLON'],
        ],
      );
      assert.equal(rows[0]!.parts, '1'); // one INSERT: one part
    });

    it('refuses work after close()', async () => {
      await store.close();
      await assert.rejects(
        store.query('SELECT 1'),
        (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_CLOSED',
      );
    });
  });
}
