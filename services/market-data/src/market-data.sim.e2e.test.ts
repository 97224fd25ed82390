// market-data as `npm start` runs it: the simulated venue feeding Kafka and history at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { eventsV1, type marketDataV1 } from '@tapeline/contracts';
import { EmbeddedClickHouseStore } from '@tapeline/history';
import { freePort, startService, waitFor } from '@tapeline/test-kit';
import {
  listAll,
  servingStatus,
  startSymbol,
  TestMesh,
  type Collected,
  type GrpcClient,
} from './testing/mesh';

const SIM_INSTRUMENTS = ['AAPL.XNAS', 'EURUSD.EBSM', 'BTC-USDT.BINANCE'];

type Level = { price: string; size: string };

/** Rebuilds a book from depth events as a consumer would, checking that every diff chains. */
function rebuild(events: readonly eventsV1.DepthEvent[], untilSequence?: string) {
  const sides = { bids: new Map<string, string>(), asks: new Map<string, string>() };
  let sequence: string | undefined;
  let diffs = 0;
  for (const e of events) {
    if (e.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT) {
      sides.bids.clear();
      sides.asks.clear();
    } else if (sequence === undefined) {
      continue; // nothing to apply a diff to before the first snapshot
    } else {
      assert.equal(e.previousSequence, sequence, `diff ${e.sequence} chains to the event before it`);
      diffs++;
    }
    for (const [side, levels] of [
      [sides.bids, e.bids],
      [sides.asks, e.asks],
    ] as const) {
      for (const l of levels) {
        if (l.size === '0') side.delete(l.price);
        else side.set(l.price, l.size);
      }
    }
    sequence = e.sequence;
    if (sequence === untilSequence) break;
  }
  const sorted = (side: Map<string, string>, dir: number): Level[] =>
    [...side].sort((a, b) => (Number(a[0]) - Number(b[0])) * dir).map(([price, size]) => ({ price, size }));
  return { sequence, diffs, bids: sorted(sides.bids, -1), asks: sorted(sides.asks, 1) };
}

describe('market-data with the simulated venue', () => {
  let mesh: TestMesh;
  let collected: Collected;
  let client: GrpcClient;
  const depthOf = (id: string) => collected.events.depth.filter((d) => d.instrumentId === id);
  const metrics = async () => (await fetch(`http://127.0.0.1:${mesh.md!.metricsPort}/metrics`)).text();

  before(async () => {
    mesh = await TestMesh.start('md-sim');
    collected = mesh.collected;
  });

  after(() => mesh.close());

  test('is NOT_SERVING until the symbol service answers, then SERVING', async () => {
    // Started before the symbol service, pointed at the port it will get.
    const symbolPort = await freePort();
    const md = await mesh.startMarketData(
      {
        SIM_INSTRUMENTS: SIM_INSTRUMENTS.join(','),
        SIM_EVENTS_PER_S: '2000',
        MARKET_DATA_SNAPSHOT_INTERVAL_MS: '300',
        MARKET_DATA_HISTORY_LINGER_MS: '250',
        SHUTDOWN_TIMEOUT_MS: '9500',
      },
      `127.0.0.1:${symbolPort}`,
    );
    await waitFor('market-data answering NOT_SERVING', async () => (await servingStatus(md)) === 2);
    mesh.symbol = await startSymbol(symbolPort);
    client = await mesh.serving();
  });

  test('publishes quotes, trades and chained depth from which a consumer rebuilds the book GetBook shows', async () => {
    await waitFor('trades of every simulated instrument', async () =>
      SIM_INSTRUMENTS.every((id) => collected.events.trades.some((t) => t.instrumentId === id)),
    );
    const book = await client.call<marketDataV1.GetBookResponse>('getBook', { instrumentId: 'AAPL.XNAS' });
    assert.equal(book.stale, false);
    assert.ok(book.bids.length > 0 && book.asks.length > 0);
    await waitFor('Kafka reaching the book sequence', async () =>
      depthOf('AAPL.XNAS').some((d) => d.sequence === book.sequence),
    );
    const rebuilt = rebuild(depthOf('AAPL.XNAS'), book.sequence);
    assert.deepEqual([rebuilt.sequence, rebuilt.bids, rebuilt.asks], [book.sequence, book.bids, book.asks]);
    const snapshots = (id: string) =>
      depthOf(id).filter((d) => d.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT).length;
    await waitFor('the opening snapshot and periodic ones of every book', async () =>
      SIM_INSTRUMENTS.every((id) => snapshots(id) >= 2),
    );
    for (const id of SIM_INSTRUMENTS) {
      assert.ok(rebuild(depthOf(id)).diffs > 0, `${id}: diffs chain from snapshot to snapshot`);
    }
    const { quote } = await client.call<{ quote: eventsV1.QuoteEvent }>('getQuote', {
      instrumentId: 'EURUSD.EBSM',
    });
    assert.equal(quote.priceScale, 5);
    assert.ok(BigInt(quote.bidPrice) < BigInt(quote.askPrice), 'the simulated book never crosses');
    assert.ok(
      collected.events.trades.every((t) => SIM_INSTRUMENTS.includes(t.instrumentId) && t.venue === 'SIM'),
    );
  });

  test('streams a snapshot then diffs chained to it, with quotes and trades', async () => {
    const call = client.raw.streamMarketData!({
      instrumentIds: ['BTC-USDT.BINANCE'],
      depth: 3,
    }) as NodeJS.EventEmitter & {
      cancel(): void;
    };
    const got: marketDataV1.StreamMarketDataResponse[] = [];
    call.on('data', (m: marketDataV1.StreamMarketDataResponse) => got.push(m));
    call.on('error', () => undefined);
    await waitFor(
      'streamed trades and diffs',
      async () => got.some((m) => m.trade) && got.filter((m) => m.depth).length > 5,
    );
    call.cancel();
    const depth = got.flatMap((m) => (m.depth ? [m.depth] : []));
    assert.equal(depth[0]!.kind, eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT);
    assert.ok(
      depth[0]!.bids.length <= 3 && depth[0]!.asks.length <= 3,
      'the snapshot has the requested depth',
    );
    assert.ok(rebuild(depth).diffs > 0);
    assert.ok(got.some((m) => m.quote?.instrumentId === 'BTC-USDT.BINANCE'));
    await waitFor('the stream released', async () => {
      return /market_data_streams_open\{service="market-data"\} 0/.test(await metrics());
    });
  });

  test('keeps the published trades in history, queryable by time range', async () => {
    const cut = BigInt(Date.now() * 1000 - 300_000);
    const published = () =>
      collected.events.trades.filter(
        (t) => t.instrumentId === 'AAPL.XNAS' && BigInt(t.exchangeTimeMicros) < cut,
      );
    await waitFor('history holding every AAPL trade before the cut', async () => {
      const res = await client.call<{ pageInfo: { totalSize: number } }>('listTrades', {
        instrumentId: 'AAPL.XNAS',
        range: { to: { unixMicros: String(cut) } },
        page: { pageSize: 1 },
      });
      return res.pageInfo.totalSize === published().length;
    });
    const { rows } = await listAll<eventsV1.TradeEvent>(
      client,
      'listTrades',
      { instrumentId: 'AAPL.XNAS', range: { to: { unixMicros: String(cut) } } },
      'trades',
      7,
    );
    assert.deepEqual(rows, published());
    const text = await metrics();
    assert.match(
      text,
      /market_data_feed_receive_latency_seconds_bucket\{le="0.00001",service="market-data",venue="SIM"\}/,
    );
    assert.match(
      text,
      /market_data_feed_publish_latency_seconds_count\{service="market-data",venue="SIM"\} [1-9]/,
    );
    assert.match(text, /market_data_history_rows_written_total\{service="market-data"\} [1-9]/);
    assert.match(text, /market_data_events_published_total\{topic="depth",service="market-data"\} [1-9]/);
  });

  test('on SIGTERM ends open streams, exits 0, with every published trade and quote in ClickHouse or its loss logged', async () => {
    const md = mesh.md!;
    // A stream open at SIGTERM is completed (OK), or the gRPC drain would wait for it.
    const call = client.raw.streamMarketData!({ instrumentIds: ['AAPL.XNAS'] });
    const ended = new Promise<number>((resolve) =>
      call.on('status', (s: { code: number }) => resolve(s.code)),
    );
    call.on('error', () => undefined);
    await new Promise((resolve) => call.once('data', resolve));
    const started = Date.now();
    const { code } = await md.stop();
    mesh.md = undefined;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 10_000, 'gone within 10 s');
    assert.equal(await ended, 0, 'the open stream ended with OK');
    // On a loaded machine the store may not take the last batches within the shutdown budget:
    // then they are dropped, and the log says how many (never silently).
    const dropped = (table: string) =>
      md.proc
        .logs()
        .filter((l) => typeof l.msg === 'string' && l.msg.startsWith('history: dropped') && l.table === table)
        .reduce((n, l) => n + Number(l.rows), 0);
    const store = await EmbeddedClickHouseStore.open({
      dataPath: path.join(mesh.dir.path, 'chdb'),
      database: 'market_data',
    });
    try {
      const trades = (await store.query<{ trade_id: string }>('SELECT trade_id FROM trades')).map(
        (r) => r.trade_id,
      );
      const [quotes] = await store.query<{ n: string }>('SELECT count() AS n FROM quotes');
      const kept = {
        trades: trades.length + dropped('trades'),
        quotes: Number(quotes!.n) + dropped('quotes'),
      };
      // History is final now; the test's consumer may still be catching up with Kafka.
      await waitFor(
        'Kafka delivering as many trades and quotes as history accounts for',
        async () =>
          collected.events.trades.length >= kept.trades && collected.events.quotes.length >= kept.quotes,
        20_000,
      );
      assert.deepEqual(kept, {
        trades: collected.events.trades.length,
        quotes: collected.events.quotes.length,
      });
      const published = new Set(collected.events.trades.map((t) => t.tradeId));
      assert.ok(
        trades.every((id) => published.has(id)),
        'history holds only trades that were published',
      );
      assert.equal(new Set(trades).size, trades.length, 'and each once');
      const snapshots = await store.query<{ instrument_id: string; n: string }>(
        "SELECT instrument_id, count() AS n FROM depth_snapshots WHERE level = 0 AND side = 'bid' GROUP BY instrument_id ORDER BY instrument_id",
      );
      assert.deepEqual(
        snapshots.map((s) => s.instrument_id),
        [...SIM_INSTRUMENTS].sort(),
      );
      assert.ok(snapshots.every((s) => Number(s.n) >= 2));
    } finally {
      await store.close();
    }
  });
});

test('refuses bad configuration at boot, naming every bad variable in one message', async () => {
  const proc = startService('market-data', {
    MARKET_DATA_FEEDS: 'simulated,replay:/nonexistent/ticks.ndjson,bogus,binance:http://x',
    SIM_EVENTS_PER_S: 'fast',
    MARKET_DATA_DEPTH_LEVELS: '0',
    MARKET_DATA_HISTORY_BATCH_ROWS: '1000',
    MARKET_DATA_HISTORY_MAX_BUFFERED_ROWS: '1500',
    CLICKHOUSE_URL: 'ftp://example',
    FIX_SENDER_COMP_ID: 'ignored: no fix feed',
  });
  const { code } = await proc.exited;
  assert.equal(code, 1);
  const out = proc.output;
  assert.match(out, /invalid configuration for market-data: 7 problem\(s\)/);
  assert.match(
    out,
    /MARKET_DATA_FEEDS: .*tick file \/nonexistent\/ticks.ndjson does not exist; "bogus" is not a feed; use simulated, replay:<path>.*; "binance:http:\/\/x": binance needs/,
  );
  assert.match(out, /SIM_EVENTS_PER_S: must be an integer, got "fast"/);
  assert.match(out, /BINANCE_SYMBOLS: is required but not set/);
  assert.match(out, /MARKET_DATA_DEPTH_LEVELS: must be between 1 and 1000, got 0/);
  assert.match(
    out,
    /MARKET_DATA_HISTORY_MAX_BUFFERED_ROWS: must be at least twice MARKET_DATA_HISTORY_BATCH_ROWS \(1000\), got 1500/,
  );
  assert.match(out, /CLICKHOUSE_URL: must be an http\(s\) URL, got "ftp:\/\/example"/);
  assert.match(out, /KAFKA_BROKERS: is required/);
  assert.doesNotMatch(out, /FIX_SENDER_COMP_ID/);
  assert.doesNotMatch(out, /\n\s+at /, 'a config error is a message, not a stack trace');
});
