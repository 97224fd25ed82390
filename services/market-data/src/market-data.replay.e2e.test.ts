// market-data replaying libs/market/fixtures/sim-ticks.ndjson (every line of which is worked out
// by hand in libs/market/README.md): what reaches Kafka, the gRPC answers, and the history.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { commonV1, eventsV1, marketDataV1 } from '@tapeline/contracts';
import { waitFor } from '@tapeline/test-kit';
import { FIXTURE, listAll, startSymbol, TestMesh, type Collected, type GrpcClient } from './testing/mesh';

const { SIDE_BUY, SIDE_SELL } = commonV1.Side;
const { DEPTH_KIND_SNAPSHOT: SNAPSHOT, DEPTH_KIND_DIFF: DIFF } = eventsV1.DepthKind;
const lv = (price: string, size: string) => ({ price, size });

// The fixture's outcome (libs/market/README.md, "The fixture, line by line"), at the instruments'
// scales: AAPL prices at 2 decimals, sizes whole; BTC-USDT prices at 2, sizes at 5 decimals.
const TRADES = [
  ['AAPL.XNAS', 'A1', '18952', '150', SIDE_BUY, '1767225600200000', '1767225600200150'],
  ['AAPL.XNAS', 'A3', '18951', '100', SIDE_SELL, '1767225601000000', '1767225601000000'],
  ['BTC-USDT.BINANCE', 'B1', '4200001', '10000', SIDE_BUY, '1767225600500000', '1767225600500000'],
];
const AAPL_DEPTH = [
  [SNAPSHOT, '100', '0', [lv('18950', '300'), lv('18949', '500')], [lv('18952', '200'), lv('18953', '400')]],
  [DIFF, '103', '100', [lv('18951', '100')], []],
  [DIFF, '104', '103', [], [lv('18952', '50')]],
  [
    SNAPSHOT,
    '106',
    '0',
    [lv('18951', '100'), lv('18950', '300'), lv('18949', '500')],
    [lv('18952', '50'), lv('18953', '400')],
  ],
  [DIFF, '107', '106', [lv('18951', '0'), lv('18950', '250')], []],
];
const BTC_DEPTH = [
  [SNAPSHOT, '5000', '0', [lv('4200000', '50000'), lv('4199999', '125000')], [lv('4200001', '30000')]],
  [DIFF, '5001', '5000', [], [lv('4200001', '20000')]],
];
const AAPL_BOOK = {
  instrumentId: 'AAPL.XNAS',
  sequence: '107',
  priceScale: 2,
  sizeScale: 0,
  bids: [lv('18950', '250'), lv('18949', '500')],
  asks: [lv('18952', '50'), lv('18953', '400')],
  stale: false,
  updatedAt: { unixMicros: '1767225600800000' },
};
const BTC_BOOK = {
  instrumentId: 'BTC-USDT.BINANCE',
  sequence: '5001',
  priceScale: 2,
  sizeScale: 5,
  bids: [lv('4200000', '50000'), lv('4199999', '125000')],
  asks: [lv('4200001', '20000')],
  stale: false,
  updatedAt: { unixMicros: '1767225600500000' },
};
// Book quotes whenever the top moved (not at snapshot 106: same top), then the venue's quote line.
const AAPL_QUOTES = [
  ['18950', '300', '18952', '200', '1767225600000000'],
  ['18951', '100', '18952', '200', '1767225600100000'],
  ['18951', '100', '18952', '50', '1767225600200000'],
  ['18950', '250', '18952', '50', '1767225600800000'],
  ['18950', '250', '18952', '50', '1767225601200000'],
];

const depthOf = (events: eventsV1.DepthEvent[], id: string) =>
  events
    .filter((d) => d.instrumentId === id)
    .map((d) => [d.kind, d.sequence, d.previousSequence, d.bids, d.asks]);

describe('market-data replaying the hand-checked tick file', () => {
  let mesh: TestMesh;
  let collected: Collected;
  let client: GrpcClient;
  const published = <K extends 'trades' | 'quotes'>(kind: K, id: string) =>
    (collected.events[kind] as { instrumentId: string }[]).filter((e) => e.instrumentId === id);
  const history = <T>(kind: 'trades' | 'quotes', instrumentId: string, pageSize: number) =>
    listAll<T>(client, kind === 'trades' ? 'listTrades' : 'listQuotes', { instrumentId }, kind, pageSize);

  before(async () => {
    mesh = await TestMesh.start('md-replay');
    collected = mesh.collected;
    mesh.symbol = await startSymbol();
    await mesh.startMarketData({
      MARKET_DATA_FEEDS: `replay:${FIXTURE}`,
      REPLAY_SPEED: 'max',
      REPLAY_VENUE: 'SIM',
      // Only what the file causes goes to `depth`; the fixture's times are from January.
      MARKET_DATA_SNAPSHOT_INTERVAL_MS: '0',
      MARKET_DATA_HISTORY_TTL_DAYS: '3650',
    });
    client = await mesh.serving();
    await waitFor(
      'the replay on Kafka',
      async () =>
        collected.events.trades.length >= 3 &&
        collected.events.depth.length >= 7 &&
        collected.events.quotes.length >= 7,
    );
  });

  after(() => mesh.close());

  test('publishes exactly the trades and chained depth of the file on Kafka', async () => {
    const trades = [...collected.events.trades]
      .sort((a, b) => a.instrumentId.localeCompare(b.instrumentId) || a.tradeId.localeCompare(b.tradeId))
      .map((t) => [
        t.instrumentId,
        t.tradeId,
        t.price,
        t.size,
        t.aggressorSide,
        t.exchangeTimeMicros,
        t.receiveTimeMicros,
      ]);
    assert.deepEqual(trades, TRADES);
    assert.ok(collected.events.trades.every((t) => t.venue === 'SIM'));
    assert.deepEqual(depthOf(collected.events.depth, 'AAPL.XNAS'), AAPL_DEPTH);
    assert.deepEqual(depthOf(collected.events.depth, 'BTC-USDT.BINANCE'), BTC_DEPTH);
    const aaplQuotes = collected.events.quotes
      .filter((q) => q.instrumentId === 'AAPL.XNAS')
      .map((q) => [q.bidPrice, q.bidSize, q.askPrice, q.askSize, q.exchangeTimeMicros]);
    assert.deepEqual(aaplQuotes, AAPL_QUOTES);
  });

  test('answers GetBook and GetQuote with the end state of the file', async () => {
    assert.deepEqual(await client.call('getBook', { instrumentId: 'AAPL.XNAS' }), AAPL_BOOK);
    assert.deepEqual(await client.call('getBook', { instrumentId: 'BTC-USDT.BINANCE', depth: 5 }), BTC_BOOK);
    const top = await client.call<{ bids: unknown[]; asks: unknown[] }>('getBook', {
      instrumentId: 'AAPL.XNAS',
      depth: 1,
    });
    assert.deepEqual([top.bids, top.asks], [[lv('18950', '250')], [lv('18952', '50')]]);
    const { quote } = await client.call<{ quote: eventsV1.QuoteEvent }>('getQuote', {
      instrumentId: 'AAPL.XNAS',
    });
    assert.deepEqual(
      [quote.venue, quote.bidPrice, quote.bidSize, quote.askPrice, quote.askSize, quote.exchangeTimeMicros],
      ['SIM', '18950', '250', '18952', '50', '1767225601200000'],
    );
  });

  test('counts the unknown symbol, the off-tick price, the malformed line and the gap, and raises each on alerts', async () => {
    const status = await client.call<marketDataV1.GetFeedStatusResponse>('getFeedStatus', {});
    assert.deepEqual(status.venues, [
      {
        venue: 'SIM',
        adapter: `replay:${FIXTURE}`,
        state: marketDataV1.FeedState.FEED_STATE_CONNECTED,
        eventsReceived: '14', // 15 records, one of them not a record
        eventsPublished: String(
          collected.events.trades.length + collected.events.quotes.length + collected.events.depth.length,
        ),
        rejectedUnknownSymbol: '1',
        rejectedOffTick: '1',
        rejectedMalformed: '1',
        sequenceGaps: '1',
      },
    ]);
    assert.deepEqual(
      status.books.map((b) => [b.instrumentId, b.sequence, b.stale]),
      [
        ['AAPL.XNAS', '107', false],
        ['BTC-USDT.BINANCE', '5001', false],
      ],
    );
    await waitFor('the alerts', async () => collected.events.alerts.length >= 4);
    const raised = (kind: eventsV1.AlertKind) => collected.events.alerts.filter((a) => a.kind === kind);
    const [unknown] = raised(eventsV1.AlertKind.ALERT_KIND_UNKNOWN_SYMBOL);
    assert.equal(unknown?.attributes.venue_symbol, 'TSLA');
    const [offTick] = raised(eventsV1.AlertKind.ALERT_KIND_OFF_TICK_PRICE);
    assert.equal(offTick?.instrumentId, 'AAPL.XNAS');
    const [malformed] = raised(eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE);
    assert.equal(malformed?.attributes.line, '11');
    const [gap] = raised(eventsV1.AlertKind.ALERT_KIND_SEQUENCE_GAP);
    assert.deepEqual(
      [gap?.instrumentId, gap?.attributes.book_sequence, gap?.attributes.previous_sequence],
      ['AAPL.XNAS', '104', '106'],
    );
    assert.ok(collected.events.alerts.every((a) => a.source === 'market-data' && a.alertId.length > 0));
  });

  test('pages through the trades and quotes history and returns exactly what was ingested', async () => {
    await waitFor('history rows', async () => {
      const s = await client.call<{ historyRowsWritten: string }>('getFeedStatus', {});
      return Number(s.historyRowsWritten) >= 10; // 3 trades + 7 quotes
    });
    const aapl = await history<eventsV1.TradeEvent>('trades', 'AAPL.XNAS', 1);
    assert.deepEqual(aapl.rows, published('trades', 'AAPL.XNAS'));
    assert.equal(aapl.tokens.length, 2, 'one trade per page, and the last page says so');
    assert.equal(aapl.tokens[1], '');

    const later = await client.call<{ trades: eventsV1.TradeEvent[]; pageInfo: { totalSize: number } }>(
      'listTrades',
      {
        instrumentId: 'AAPL.XNAS',
        range: { from: { unixMicros: '1767225600200001' }, to: { unixMicros: '1767225601000001' } },
      },
    );
    assert.deepEqual(
      later.trades.map((t) => t.tradeId),
      ['A3'],
    );
    assert.equal(later.pageInfo.totalSize, 1);

    const btc = await history<eventsV1.TradeEvent>('trades', 'BTC-USDT.BINANCE', 10);
    assert.deepEqual(btc.rows, published('trades', 'BTC-USDT.BINANCE'));

    const quotes = await history<eventsV1.QuoteEvent>('quotes', 'AAPL.XNAS', 2);
    assert.deepEqual(
      quotes.rows.map((q) => [q.bidPrice, q.bidSize, q.askPrice, q.askSize, q.exchangeTimeMicros]),
      AAPL_QUOTES,
    );
    assert.deepEqual(quotes.rows, published('quotes', 'AAPL.XNAS'));
    assert.equal(quotes.tokens.length, 3);
  });

  test('refuses bad history requests with INVALID_ARGUMENT naming the field, unknown instruments with NOT_FOUND', async () => {
    const first = await client.call<{ pageInfo: { nextPageToken: string } }>('listTrades', {
      instrumentId: 'AAPL.XNAS',
      page: { pageSize: 1 },
    });
    const cases: [string, object, status, RegExp][] = [
      [
        'listTrades',
        { instrumentId: 'MSFT.XNAS', page: { pageToken: first.pageInfo.nextPageToken } },
        status.INVALID_ARGUMENT,
        /page_token belongs to another query/,
      ],
      [
        'listQuotes',
        { instrumentId: 'AAPL.XNAS', page: { pageToken: first.pageInfo.nextPageToken } },
        status.INVALID_ARGUMENT,
        /page_token belongs to another query/,
      ],
      [
        'listTrades',
        { instrumentId: 'AAPL.XNAS', page: { pageToken: 'not-a-token' } },
        status.INVALID_ARGUMENT,
        /page_token is not a token this service issued/,
      ],
      [
        'listTrades',
        { instrumentId: 'AAPL.XNAS', range: { from: { unixMicros: '9' }, to: { unixMicros: '3' } } },
        status.INVALID_ARGUMENT,
        /range.from \(9\) must be before range.to \(3\)/,
      ],
      ['listTrades', { instrumentId: 'TSLA.XNAS' }, status.NOT_FOUND, /instrument "TSLA.XNAS" not found/],
      [
        'getBook',
        { instrumentId: 'AAPL.XNAS', depth: 5000 },
        status.INVALID_ARGUMENT,
        /depth must be between 0/,
      ],
      [
        'getQuote',
        { instrumentId: 'not an id' },
        status.INVALID_ARGUMENT,
        /instrument_id "not an id" is not of the form SYMBOL.VENUE/,
      ],
      ['getQuote', { instrumentId: 'MSFT.XNAS' }, status.UNAVAILABLE, /no quote for MSFT.XNAS yet/],
      ['getBook', { instrumentId: 'MSFT.XNAS' }, status.UNAVAILABLE, /no book for MSFT.XNAS yet/],
    ];
    for (const [method, req, code, message] of cases) {
      await assert.rejects(client.call(method, req), (err: { code: number; details: string }) => {
        assert.equal(err.code, code, `${method} ${JSON.stringify(req)}: ${err.details}`);
        assert.match(err.details, message);
        return true;
      });
    }
  });

  test('streams a book snapshot first, at the sequence the book reached', async () => {
    const call = client.raw.streamMarketData!({
      instrumentIds: ['AAPL.XNAS'],
      kinds: [marketDataV1.MarketDataKind.MARKET_DATA_KIND_DEPTH],
      depth: 1,
    }) as NodeJS.EventEmitter & { cancel(): void };
    const first = await new Promise<{ depth: eventsV1.DepthEvent }>((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    });
    call.on('error', () => undefined);
    call.cancel();
    assert.deepEqual(
      [first.depth.kind, first.depth.sequence, first.depth.bids, first.depth.asks],
      [SNAPSHOT, '107', [lv('18950', '250')], [lv('18952', '50')]],
    );

    const refused = client.raw.streamMarketData!({ instrumentIds: ['AAPL.XNAS'], kinds: [7] });
    const err = await new Promise<{ code: number; details: string }>((resolve) =>
      refused.once('error', resolve),
    );
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /kinds contains an invalid value 7/);
  });
});
