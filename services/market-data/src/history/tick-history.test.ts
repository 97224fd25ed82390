import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Counter } from 'prom-client';
import { commonV1, eventsV1 } from '@tapeline/contracts';
import type { ClickHouseStore } from '@tapeline/history';
import { createLogger } from '@tapeline/telemetry';
import { openTickStore, TickHistory } from './tick-history';

// TickHistory over embedded chDB: events go in field by field and come back as published.
const dir = mkdtempSync(path.join(tmpdir(), 'tick-history-'));
const logLines: string[] = [];
const logger = createLogger('tick-history-test', 'info', {
  write: (line: string) => void logLines.push(line),
});
const dropped = new Counter({
  name: 'history_rows_dropped_total',
  help: 'dropped',
  labelNames: ['table', 'reason'],
  registers: [],
});
let store: ClickHouseStore;
let history: TickHistory;

const T0 = 1_763_800_000_000_000; // 2025-11-22T08:26:40Z in micros

function trade(n: number, over: Partial<eventsV1.TradeEvent> = {}): eventsV1.TradeEvent {
  return {
    instrumentId: 'AAPL.XNAS',
    venue: 'XNAS',
    sequence: String(n),
    tradeId: `T${n}`,
    priceScale: 2,
    sizeScale: 0,
    price: String(18_900 + n),
    size: String(n),
    aggressorSide: commonV1.Side.SIDE_BUY,
    exchangeTimeMicros: String(T0 + n),
    receiveTimeMicros: String(T0 + n + 10),
    publishTimeMicros: String(T0 + n + 20),
    ...over,
  };
}

const range = { instrumentId: 'AAPL.XNAS', fromMicros: BigInt(T0), toMicros: BigInt(T0 + 1_000), limit: 10 };

before(async () => {
  store = await openTickStore({ database: 'market_data', chdbDir: dir, ttlDays: 3650 }, logger);
  history = new TickHistory({
    store,
    logger,
    batchRows: 100,
    lingerMs: 60_000,
    maxBufferedRows: 1_000,
    droppedRows: dropped,
  });
});

after(async () => {
  await history.close(5_000);
  rmSync(dir, { recursive: true, force: true });
});

describe('TickHistory', () => {
  it('records trades as published, 64-bit fields beyond 2^53 exact', async () => {
    const big = trade(1, {
      sequence: '18446744073709551615', // UInt64's largest
      price: '9007199254740993', // 2^53 + 1
      size: '9223372036854775807', // Int64's largest
      aggressorSide: commonV1.Side.SIDE_SELL,
    });
    const plain = trade(2, { instrumentId: 'AAPL.XNAS', venue: 'BATS' });
    history.recordTrade(big);
    history.recordTrade(plain);
    history.recordTrade(trade(3, { instrumentId: 'MSFT.XNAS' }));
    await history.flush();
    const page = await history.listTrades(range);
    assert.deepEqual(page.rows, [big, plain]);
    assert.equal(page.total, 2);
  });

  it('refuses a trade with a bad value, naming the column, counts it and keeps the rest', async () => {
    history.recordTrade(trade(10, { price: '189.5' }));
    history.recordTrade(trade(11, { aggressorSide: 7 as commonV1.Side })); // not a Side this build knows
    history.recordTrade(trade(12));
    await history.flush();
    const stats = history.stats();
    assert.equal(stats.rowsRefused, 2);
    assert.equal(stats.rowsDropped, 0);
    const metric = await dropped.get();
    assert.deepEqual(
      metric.values.map((v) => [v.labels, v.value]),
      [[{ table: 'trades', reason: 'rejected' }, 2]],
    );
    // Refusals are logged at most once a second: the first one names its column.
    const refusals = logLines
      .map((l) => JSON.parse(l) as { msg: string; err?: { message: string } })
      .filter((l) => l.msg === 'history row refused');
    assert.equal(refusals.length, 1);
    assert.match(refusals[0]!.err!.message, /trades\.price \(Int64\): expected .*got "189\.5"/);
    const page = await history.listTrades({ ...range, fromMicros: BigInt(T0 + 10) });
    assert.deepEqual(
      page.rows.map((r) => r.tradeId),
      ['T12'],
    );
  });

  it('records quotes and one row per level of a depth snapshot', async () => {
    const quote: eventsV1.QuoteEvent = {
      instrumentId: 'AAPL.XNAS',
      venue: 'XNAS',
      sequence: '7',
      priceScale: 2,
      sizeScale: 0,
      bidPrice: '18899',
      bidSize: '300',
      askPrice: '18901',
      askSize: '9007199254740993',
      exchangeTimeMicros: String(T0 + 500),
      receiveTimeMicros: String(T0 + 501),
      publishTimeMicros: String(T0 + 502),
    };
    history.recordQuote(quote);
    history.recordDepthSnapshot({
      instrumentId: 'AAPL.XNAS',
      venue: 'XNAS',
      sequence: '8',
      previousSequence: '7',
      kind: eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT,
      priceScale: 2,
      sizeScale: 0,
      bids: [
        { price: '18899', size: '300' },
        { price: '18898', size: '5' },
      ],
      asks: [{ price: '18901', size: '12' }],
      exchangeTimeMicros: String(T0 + 600),
      receiveTimeMicros: String(T0 + 601),
      publishTimeMicros: String(T0 + 602),
    });
    await history.flush();
    assert.deepEqual((await history.listQuotes(range)).rows, [quote]);
    const levels = await store.query<{ book_side: string; level: number; price: string; size: string }>(
      `SELECT toString(side) AS book_side, level, price, size FROM depth_snapshots
       WHERE time = fromUnixTimestamp64Micro({publish:Int64})
         AND exchange_time = fromUnixTimestamp64Micro({exchange:Int64})
       ORDER BY side, level`,
      { publish: T0 + 602, exchange: T0 + 600 },
    );
    assert.deepEqual(
      levels.map((l) => [l.book_side, l.level, l.price, l.size]),
      [
        ['bid', 0, '18899', '300'],
        ['bid', 1, '18898', '5'],
        ['ask', 0, '18901', '12'],
      ],
    );
  });
});
