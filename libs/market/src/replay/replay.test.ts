import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { commonV1, eventsV1 } from '@tapeline/contracts';
import { InstrumentMaster, loadSeedFile } from '@tapeline/instruments';
import type { FeedSink, MalformedFrame, RawMarketEvent } from '../feed';
import { FeedHandler } from '../feed-handler';
import { InstrumentMasterResolver } from '../instrument-resolver';
import { RecordingOutput } from '../testing/recording-output';
import { FileReplay, type ReplayProgress } from './file-replay';

const FIXTURES = resolve(__dirname, '../../../fixtures');
const SEED = resolve(__dirname, '../../../../../services/symbol/config/instruments.yaml');
const resolver = new InstrumentMasterResolver(new InstrumentMaster(loadSeedFile(SEED)));

async function replayThroughHandler(file: string) {
  const out = new RecordingOutput();
  const handler = new FeedHandler({ resolver, output: out, clock: () => 1_767_230_000_000_000n });
  const progress: ReplayProgress[] = [];
  const replay = new FileReplay({
    path: join(FIXTURES, file),
    venue: 'SIM',
    speed: 'max',
    onProgress: (p) => progress.push(p),
  });
  await replay.start(handler);
  const summary = await replay.finished;
  return { out, handler, summary, progress, replay };
}

// Worked out by hand from fixtures/sim-ticks.* (README "The fixture, line by line").
const AAPL_BOOK = {
  state: 'live',
  sequence: 107,
  bids: [
    { price: 18950, size: 250 },
    { price: 18949, size: 500 },
  ],
  asks: [
    { price: 18952, size: 50 },
    { price: 18953, size: 400 },
  ],
};
const BTC_BOOK = {
  state: 'live',
  sequence: 5001,
  bids: [
    { price: 4200000, size: 50000 },
    { price: 4199999, size: 125000 },
  ],
  asks: [{ price: 4200001, size: 20000 }],
};
const TRADES = [
  ['AAPL.XNAS', 'A1', '18952', '150', commonV1.Side.SIDE_BUY, '1767225600200000', '1767225600200150'],
  [
    'BTC-USDT.BINANCE',
    'B1',
    '4200001',
    '10000',
    commonV1.Side.SIDE_BUY,
    '1767225600500000',
    '1767225600500000',
  ],
  ['AAPL.XNAS', 'A3', '18951', '100', commonV1.Side.SIDE_SELL, '1767225601000000', '1767225601000000'],
];

for (const [file, malformedLine] of [
  ['sim-ticks.ndjson', 11],
  ['sim-ticks.csv', 12],
] as const) {
  test(`replaying ${file} reproduces the hand-computed books, trades and rejections`, async () => {
    const { out, handler, summary, progress, replay } = await replayThroughHandler(file);
    const pick = (id: string) => {
      const b = handler.books.levels(id, 'SIM')!;
      return { state: b.state, sequence: b.sequence, bids: b.bids, asks: b.asks };
    };
    assert.deepEqual(pick('AAPL.XNAS'), AAPL_BOOK);
    assert.deepEqual(pick('BTC-USDT.BINANCE'), BTC_BOOK);
    assert.deepEqual(
      out.trades.map((t) => [
        t.instrumentId,
        t.tradeId,
        t.price,
        t.size,
        t.aggressorSide,
        t.exchangeTimeMicros,
        t.receiveTimeMicros,
      ]),
      TRADES,
    );
    assert.deepEqual(
      out.depths.map((d) => [
        d.instrumentId,
        d.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT,
        d.sequence,
        d.previousSequence,
      ]),
      [
        ['AAPL.XNAS', true, '100', '0'],
        ['AAPL.XNAS', false, '103', '100'],
        ['AAPL.XNAS', false, '104', '103'],
        ['BTC-USDT.BINANCE', true, '5000', '0'],
        ['BTC-USDT.BINANCE', false, '5001', '5000'],
        ['AAPL.XNAS', true, '106', '0'],
        ['AAPL.XNAS', false, '107', '106'],
      ],
    );
    // Book quotes when the top moved (not at the snapshot of 106, whose top equals the last one),
    // then the venue's own quote record.
    assert.deepEqual(
      out.quotes.map((q) => [q.instrumentId, q.bidPrice, q.bidSize, q.askPrice, q.askSize]),
      [
        ['AAPL.XNAS', '18950', '300', '18952', '200'],
        ['AAPL.XNAS', '18951', '100', '18952', '200'],
        ['AAPL.XNAS', '18951', '100', '18952', '50'],
        ['BTC-USDT.BINANCE', '4200000', '50000', '4200001', '30000'],
        ['BTC-USDT.BINANCE', '4200000', '50000', '4200001', '20000'],
        ['AAPL.XNAS', '18950', '250', '18952', '50'],
        ['AAPL.XNAS', '18950', '250', '18952', '50'],
      ],
    );
    const counts = Object.fromEntries(handler.normaliser.rejectionCounts().map((r) => [r.reason, r.count]));
    assert.deepEqual(counts, { off_tick_price: 1, malformed_message: 1, unknown_symbol: 1 });
    const malformed = out.alerts.find((a) => a.attributes.reason === 'malformed_message')!;
    assert.equal(malformed.attributes.line, String(malformedLine));
    assert.deepEqual(
      out.alerts.map((a) => a.kind),
      [
        eventsV1.AlertKind.ALERT_KIND_OFF_TICK_PRICE,
        eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE,
        eventsV1.AlertKind.ALERT_KIND_SEQUENCE_GAP,
        eventsV1.AlertKind.ALERT_KIND_UNKNOWN_SYMBOL,
      ],
    );
    assert.deepEqual(
      out.resyncs.map((r) => [r.symbol, r.reason, r.bookSequence]),
      [['AAPL', 'gap', 104]],
    );
    assert.equal(handler.books.stats().find((s) => s.instrumentId === 'AAPL.XNAS')!.staleDropped, 1);
    assert.deepEqual(summary, {
      done: 15,
      total: 15,
      elapsedMs: summary.elapsedMs,
      events: 14,
      malformed: 1,
      stopped: false,
    });
    assert.deepEqual(progress.at(-1), summary);
    assert.deepEqual(replay.snapshotRequests, []);
  });
}

const NO_SINK: FeedSink = {
  onEvent: () => undefined,
  onMalformed: () => undefined,
  onStatus: () => undefined,
};

function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'market-replay-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function collect(path: string, speed: number | 'max' = 'max') {
  const events: RawMarketEvent[] = [];
  const malformed: MalformedFrame[] = [];
  const replay = new FileReplay({ path, speed });
  await replay.start({
    onEvent: (e) => events.push(e),
    onMalformed: (f) => malformed.push(f),
    onStatus: () => undefined,
  });
  const summary = await replay.finished;
  return { events, malformed, summary };
}

test('reports each malformed line with its number and reason, and never throws', async () => {
  const path = writeTemp(
    'bad.ndjson',
    [
      '{"type":"trade","symbol":"AAPL","ts":1,"id":"1","price":"1.00","size":"1"}',
      '{"type":"trade","symbol":"AAPL","ts":2,"id":"2","price":1.5,"size":"1"}',
      '',
      '{"type":"depth","kind":"diff","symbol":"AAPL","ts":3,"seq":"x","bids":[]}',
      '[1,2]',
      '{"type":"bar","symbol":"AAPL","ts":4}',
      '{"type":"depth","kind":"diff","symbol":"AAPL","ts":5,"seq":9,"bids":[["1.00"]]}',
      '{"type":"quote","symbol":"AAPL","ts":-6,"bid":"1","bid_size":"1","ask":"2","ask_size":"1"}',
    ].join('\n'),
  );
  const { events, malformed, summary } = await collect(path);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.venue, 'REPLAY');
  assert.deepEqual(
    malformed.map((m) => m.line),
    [2, 4, 5, 6, 7, 8],
  );
  assert.match(malformed[0]!.reason, /^line 2: price must be a decimal string/);
  assert.match(malformed[1]!.reason, /seq must be a non-negative integer/);
  assert.match(malformed[2]!.reason, /must be a JSON object/);
  assert.match(malformed[3]!.reason, /type must be/);
  assert.match(malformed[4]!.reason, /bids\[0\] must be a \[price, size\] pair/);
  assert.match(malformed[5]!.reason, /ts must be UTC microseconds/);
  assert.equal(summary.total, 7);
  assert.equal(summary.done, 7);
});

test('reads CSV by its header and rejects rows that do not match it', async () => {
  const path = writeTemp(
    'ticks.csv',
    [
      'type,symbol,ts,price,size,id,side',
      'trade,AAPL,1767225600000000,189.50,10,T1,sell',
      'trade,AAPL,1767225600000001,189.51,10',
      'trade,AAPL,1767225600000002,189.52,10,T3,sideways',
    ].join('\r\n'),
  );
  const { events, malformed } = await collect(path);
  assert.deepEqual(events, [
    {
      type: 'trade',
      venue: 'REPLAY',
      symbol: 'AAPL',
      exchangeTimeMicros: 1767225600000000n,
      receiveTimeMicros: 1767225600000000n,
      tradeId: 'T1',
      price: '189.50',
      size: '10',
      aggressor: 'sell',
    },
  ]);
  assert.deepEqual(
    malformed.map((m) => [m.line, m.reason]),
    [
      [3, 'line 3: 5 cells where the header has 7 columns'],
      [4, 'line 4: side must be "buy", "sell" or "unknown", got "sideways"'],
    ],
  );
});

test('a CSV file with an unknown column is reported once, not row by row', async () => {
  const path = writeTemp('bad.csv', 'type,symbol,ts,colour\ntrade,AAPL,1,red\n');
  const { events, malformed } = await collect(path);
  assert.equal(events.length, 0);
  assert.equal(malformed.length, 1);
  assert.match(malformed[0]!.reason, /^line 1: unknown CSV column "colour"/);
});

test('plays at the recorded speed divided by the acceleration', async () => {
  // Two records 400 ms apart: at x4 the second one comes no sooner than 100 ms after the first.
  const path = writeTemp(
    'paced.ndjson',
    [
      '{"type":"trade","symbol":"AAPL","ts":1767225600000000,"id":"1","price":"1.00","size":"1"}',
      '{"type":"trade","symbol":"AAPL","ts":1767225600400000,"id":"2","price":"1.00","size":"1"}',
    ].join('\n'),
  );
  const seen: number[] = [];
  const replay = new FileReplay({ path, speed: 4 });
  await replay.start({
    onEvent: () => seen.push(performance.now()),
    onMalformed: () => undefined,
    onStatus: () => undefined,
  });
  await replay.finished;
  assert.equal(seen.length, 2);
  assert.ok(seen[1]! - seen[0]! >= 95, `second record after ${seen[1]! - seen[0]!} ms`);
});

test('stop() ends a replay early and start() refuses a missing file with a typed error', async () => {
  const path = writeTemp(
    'slow.ndjson',
    [0, 1, 2]
      .map(
        (i) =>
          `{"type":"trade","symbol":"AAPL","ts":${i * 10_000_000},"id":"${i}","price":"1.00","size":"1"}`,
      )
      .join('\n'),
  );
  const replay = new FileReplay({ path, speed: 1 });
  let events = 0;
  await replay.start({
    onEvent: () => void events++,
    onMalformed: () => undefined,
    onStatus: () => undefined,
  });
  await new Promise((r) => setTimeout(r, 20));
  await replay.stop();
  const summary = await replay.finished;
  assert.equal(summary.stopped, true);
  assert.equal(events, 1);
  await assert.rejects(new FileReplay({ path: join(FIXTURES, 'missing.ndjson') }).start(NO_SINK), {
    code: 'FILE_UNREADABLE',
  });
});
