import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter } from 'prom-client';
import { createLogger } from '@tapeline/telemetry';
import { BatchedInserter, type BatchedInserterOptions } from './batched-inserter';
import type { ColumnBatch } from './column-batch';
import { HistoryError } from './errors';
import { ServerClickHouseStore } from './server-store';
import type { ClickHouseStore } from './store';
import { createTableSql, defineTable, type HistoryTable } from './table';
import { startChdbHttpEndpoint, type ChdbHttpEndpoint } from './testing/chdb-http-endpoint';
import { exampleTradeColumns, exampleTrades, tempDataDir } from './testing/example-tables';

// The store under the inserter is the real server adapter over the chDB HTTP endpoint, so "the
// store is down" is the endpoint stopped (connection refused) and "back" is it restarted in place.
const dir = tempDataDir('history-inserter');
let endpoint: ChdbHttpEndpoint;
let store: ServerClickHouseStore;
const logLines: string[] = [];
const logger = createLogger('history-test', 'info', { write: (line: string) => void logLines.push(line) });

function trade(id: number): Record<string, number | string> {
  return {
    instrument_id: 1,
    time: 1_000_000 + id,
    price: 100 + id,
    size: 1,
    side: 'buy',
    trade_id: `t${id}`,
    venue: 'XNAS',
  };
}

async function count(where = '1'): Promise<number> {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM trades WHERE ${where}`);
  return Number(row!.n);
}

async function until(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The test store's calls, for a stand-in that overrides some of them. */
function storeCalls(): ClickHouseStore {
  return {
    kind: store.kind,
    database: store.database,
    command: (sql) => store.command(sql),
    insert: (table, rows) => store.insert(table, rows),
    query: (sql, params) => store.query(sql, params),
    close: () => Promise.resolve(),
  };
}

function inserter(options: Partial<BatchedInserterOptions>): BatchedInserter {
  return new BatchedInserter({ store, logger, retryInitialMs: 20, retryMaxMs: 100, ...options });
}

before(async () => {
  endpoint = await startChdbHttpEndpoint({ dataPath: dir.path });
  store = await ServerClickHouseStore.open({
    url: endpoint.url,
    database: 'market_data',
    requestTimeoutMs: 5_000,
  });
  await store.command(createTableSql(exampleTrades));
});

after(async () => {
  await store.close();
  await endpoint.close();
  dir.remove();
});

beforeEach(async () => {
  await store.command('TRUNCATE TABLE trades');
  logLines.length = 0;
});

describe('BatchedInserter', () => {
  it('sends a batch as soon as it is full and keeps the rest until flush()', async () => {
    const ins = inserter({ batchRows: 100, lingerMs: 60_000 });
    for (let i = 0; i < 250; i++) ins.append(exampleTrades, trade(i));
    await until('two full batches', () => ins.stats().batchesInserted === 2);
    assert.equal(await count(), 200);
    assert.equal(ins.stats().rowsBuffered, 50);
    await ins.flush();
    assert.equal(await count(), 250);
    assert.deepEqual(ins.stats(), {
      rowsAppended: 250,
      rowsInserted: 250,
      batchesInserted: 3,
      retries: 0,
      rowsDropped: 0,
      rowsBuffered: 0,
    });
    await ins.close();
  });

  it('sends a partial batch once it has lingered', async () => {
    const ins = inserter({ batchRows: 1_000, lingerMs: 30 });
    for (let i = 0; i < 10; i++) ins.append(exampleTrades, trade(i));
    assert.equal(ins.stats().rowsInserted, 0); // append() never waits for the store
    await until('the lingering batch', async () => (await count()) === 10);
    await ins.close();
  });

  it('retries while the store is down, drops the oldest rows past the bound, and catches up', async () => {
    const dropped = new Counter({
      name: 'history_rows_dropped_total',
      help: 'dropped',
      labelNames: ['table', 'reason'],
      registers: [],
    });
    const drops: [string, number, string][] = [];
    const ins = inserter({
      batchRows: 100,
      lingerMs: 60_000,
      maxBufferedRows: 400,
      droppedRows: dropped,
      onDrop: (table, rows, reason) => drops.push([table, rows, reason]),
    });
    const port = endpoint.port;
    await endpoint.close();
    // Ten batches in one go: batch 1 goes out (and fails); batches 2-10 queue. From batch 5 on the
    // table holds more than 400 rows, and each new batch pushes out the oldest queued one: 2..7.
    for (let i = 0; i < 1_000; i++) ins.append(exampleTrades, trade(i));
    assert.deepEqual(
      drops,
      Array.from({ length: 6 }, () => ['trades', 100, 'overflow']),
    );
    assert.equal(ins.stats().rowsBuffered, 400);
    await until('a few retries', () => ins.stats().retries >= 3);
    const errors = logLines
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .filter((l) => l.level === 'error');
    assert.equal(errors.length, 6);
    assert.equal(errors[0]!.msg, 'history: dropped 100 trades rows (overflow)');

    endpoint = await startChdbHttpEndpoint({ dataPath: dir.path, port });
    await ins.flush();
    // Batch 1 (rows 0-99) survived by being the one in flight; batches 8-10 (rows 700-999) were newest.
    assert.equal(await count(), 400);
    assert.equal(await count('price < 200'), 100);
    assert.equal(await count('price >= 800'), 300);
    const metric = await dropped.get();
    assert.deepEqual(
      metric.values.map((v) => [v.labels, v.value]),
      [[{ table: 'trades', reason: 'overflow' }, 600]],
    );
    assert.equal(ins.stats().rowsDropped, 600);
    await ins.close();
  });

  it('drops a batch the engine refuses outright and carries on with other tables', async () => {
    const missing = defineTable({ ...exampleTrades.spec, name: 'not_created' });
    const drops: [string, number, string][] = [];
    const ins = inserter({ batchRows: 10, onDrop: (t, n, r) => drops.push([t, n, r]) });
    for (let i = 0; i < 3; i++) ins.append(missing, trade(i));
    for (let i = 0; i < 5; i++) ins.append(exampleTrades, trade(i));
    await ins.flush();
    assert.deepEqual(drops, [['not_created', 3, 'rejected']]);
    assert.equal(ins.stats().retries, 0);
    assert.equal(await count(), 5);
    await ins.close();
  });

  it('refuses a bad row without buffering it, and any row after close()', async () => {
    const ins = inserter({ batchRows: 10 });
    assert.throws(
      () => ins.append(exampleTrades, { ...trade(1), side: 'hold' }),
      (err: unknown) =>
        err instanceof HistoryError && err.code === 'HISTORY_ROW_INVALID' && /trades\.side/.test(err.message),
    );
    assert.equal(ins.stats().rowsBuffered, 0);
    await ins.close();
    assert.throws(
      () => ins.append(exampleTrades, trade(2)),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_CLOSED',
    );
  });

  it('gives up on rows still buffered when close() times out with the store down, and says so', async () => {
    const drops: [string, number, string][] = [];
    const ins = inserter({ batchRows: 10, onDrop: (t, n, r) => drops.push([t, n, r]) });
    const port = endpoint.port;
    await endpoint.close();
    for (let i = 0; i < 25; i++) ins.append(exampleTrades, trade(i));
    await ins.close(200);
    endpoint = await startChdbHttpEndpoint({ dataPath: dir.path, port });
    assert.deepEqual(
      drops.map(([, n, r]) => [n, r]).sort(),
      [
        [10, 'shutdown'],
        [10, 'shutdown'],
        [5, 'shutdown'],
      ].sort(),
    );
    assert.equal(ins.stats().rowsBuffered, 0);
    assert.equal(await count(), 0);
  });

  it('appends rows field by field through a TableWriter, Int64 beyond 2^53 exact', async () => {
    const T = exampleTradeColumns;
    const ins = inserter({ batchRows: 2, lingerMs: 60_000 });
    const trades = ins.writer(exampleTrades);
    for (const [id, price] of [
      ['a', '9007199254740993'],
      ['b', '-9223372036854775808'],
      ['c', '42'],
    ] as const) {
      const row = trades.begin();
      row.setNumber(T.instrument_id, 3);
      row.setDecimal(T.time, '1763800000000001');
      row.setDecimal(T.price, price);
      row.setDecimal(T.size, '1');
      row.setString(T.side, 'sell');
      row.setString(T.trade_id, id);
      row.setString(T.venue, id === 'c' ? 'XLON' : 'XNAS');
      trades.commit();
    }
    const bad = trades.begin();
    assert.throws(
      () => bad.setDecimal(T.price, '1.5'),
      (err: unknown) => err instanceof HistoryError && /trades\.price/.test(err.message),
    );
    assert.equal(ins.stats().rowsAppended, 3); // the bad row was never committed
    await ins.flush();
    const rows = await store.query<{ trade_id: string; price: string; venue: string; us: string }>(
      'SELECT trade_id, price, venue, toUnixTimestamp64Micro(time) AS us FROM trades ORDER BY trade_id',
    );
    assert.deepEqual(rows, [
      { trade_id: 'a', price: '9007199254740993', venue: 'XNAS', us: '1763800000000001' },
      { trade_id: 'b', price: '-9223372036854775808', venue: 'XNAS', us: '1763800000000001' },
      { trade_id: 'c', price: '42', venue: 'XLON', us: '1763800000000001' },
    ]);
    await ins.close();
    assert.throws(
      () => trades.begin(),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_CLOSED',
    );
  });

  it('sends the batches that queued behind an insert in flight as one insert', async () => {
    const sent: number[][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const recording: ClickHouseStore = {
      ...storeCalls(),
      async insert(table: HistoryTable, batch) {
        sent.push([(batch as ColumnBatch).length]);
        await held; // the first insert is slow: the next batches queue behind it
        return store.insert(table, batch);
      },
      async insertBatches(table: HistoryTable, batches: readonly ColumnBatch[]) {
        sent.push(batches.map((b) => b.length));
        return store.insertBatches(table, batches);
      },
    };
    const ins = new BatchedInserter({
      store: recording,
      logger,
      batchRows: 100,
      lingerMs: 60_000,
      maxInsertRows: 300,
    });
    for (let i = 0; i < 650; i++) ins.append(exampleTrades, trade(i));
    release();
    await ins.flush();
    // Batch 1 alone; then 2-4 as one insert (300 rows); then 5-6 and the 50-row remainder.
    assert.deepEqual(sent, [[100], [100, 100, 100], [100, 100, 50]]);
    assert.equal(await count(), 650);
    assert.deepEqual(ins.stats(), {
      rowsAppended: 650,
      rowsInserted: 650,
      batchesInserted: 7,
      retries: 0,
      rowsDropped: 0,
      rowsBuffered: 0,
    });
    await ins.close();
  });

  it('retries a group the engine refuses batch by batch, so only the refused batch is dropped', async () => {
    const drops: [number, string][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The engine stand-in refuses any insert holding the row 'poison' (as it would a schema it cannot take).
    const refuse = (batches: readonly ColumnBatch[]): void => {
      if (batches.some((b) => b.toTabSeparated().includes('poison'))) {
        throw new HistoryError('HISTORY_QUERY_FAILED', 'type mismatch');
      }
    };
    const picky: ClickHouseStore = {
      ...storeCalls(),
      async insert(table: HistoryTable, batch) {
        await held; // batch 1 is slow: the next three queue and go out as one group
        refuse([batch as ColumnBatch]);
        return store.insert(table, batch);
      },
      async insertBatches(table: HistoryTable, batches: readonly ColumnBatch[]) {
        refuse(batches);
        return store.insertBatches(table, batches);
      },
    };
    const ins = new BatchedInserter({
      store: picky,
      logger,
      batchRows: 10,
      lingerMs: 60_000,
      onDrop: (_t, n, r) => drops.push([n, r]),
    });
    for (let i = 0; i < 40; i++)
      ins.append(exampleTrades, i === 25 ? { ...trade(i), trade_id: 'poison' } : trade(i));
    release();
    await ins.flush();
    assert.deepEqual(drops, [[10, 'rejected']]);
    assert.equal(await count(), 30);
    assert.equal(await count('price >= 120 AND price < 130'), 0); // rows 20-29 went with 'poison'
    await ins.close();
  });

  it('rejects a bound that leaves no room for a queued batch', () => {
    assert.throws(
      () => inserter({ batchRows: 100, maxBufferedRows: 150 }),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_CONFIG_INVALID',
    );
  });
});
