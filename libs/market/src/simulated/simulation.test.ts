import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsV1 } from '@tapeline/contracts';
import { InstrumentMaster, parseSeed } from '@tapeline/instruments';
import type { FeedSink, RawMarketEvent } from '../feed';
import { FeedHandler } from '../feed-handler';
import { RecordingOutput, TEST_SEED, testResolver } from '../testing/recording-output';
import { MarketSimulation, simulatedInstrument, type SimulationOptions } from './market-simulation';
import { SimulatedVenue } from './simulated-venue';

const master = new InstrumentMaster(parseSeed(TEST_SEED));
const INSTRUMENTS = [
  simulatedInstrument(master.get('AAPL.XNAS')!, 'SIM', '189.50'),
  simulatedInstrument(master.get('ESZ6.XCME')!, 'SIM', '6012.25'),
  simulatedInstrument(master.get('BTC-USDT.BINANCE')!, 'SIM', '42000.00'),
];

function take(sim: MarketSimulation, n: number): RawMarketEvent[] {
  const out: RawMarketEvent[] = [];
  for (let i = 0; i < n; i++) out.push(sim.next());
  return out;
}

const options: SimulationOptions = { instruments: INSTRUMENTS, seed: 7, eventsPerSecond: 5000 };

test('the same seed gives the same first 10,000 events, timestamps included', () => {
  const a = take(new MarketSimulation(options), 10_000);
  const b = take(new MarketSimulation(options), 10_000);
  assert.deepEqual(a, b);
  const c = take(new MarketSimulation({ ...options, seed: 8 }), 10_000);
  assert.notDeepEqual(a, c);
  // A real market mix: snapshots first, then diffs and trades.
  assert.deepEqual(
    a.slice(0, 3).map((e) => e.type === 'depth' && e.kind),
    ['snapshot', 'snapshot', 'snapshot'],
  );
  assert.ok(a.filter((e) => e.type === 'trade').length > 300);
  assert.ok(a.filter((e) => e.type === 'depth').length > 8000);
});

test('simulated books never cross and every price and size sits on the tick and lot', () => {
  const out = new RecordingOutput();
  const handler = new FeedHandler({ resolver: testResolver(), output: out });
  const sim = new MarketSimulation({ ...options, seed: 11, levels: 8 });
  for (let i = 0; i < 60_000 || sim.pending > 0; i++) handler.onEvent(sim.next());
  // Off-tick prices or off-lot sizes would have been rejected; a crossed or locked book alerted.
  assert.deepEqual(handler.normaliser.rejectionCounts(), []);
  assert.deepEqual(out.alerts, []);
  assert.deepEqual(out.resyncs, []);
  assert.ok(out.quotes.length > 1000);
  for (const q of out.quotes) {
    assert.ok(Number(q.bidPrice) < Number(q.askPrice), `crossed quote at ${q.instrumentId} ${q.sequence}`);
    assert.ok(Number(q.bidSize) > 0 && Number(q.askSize) > 0);
  }
  for (const t of out.trades.filter((x) => x.instrumentId === 'ESZ6.XCME'))
    assert.equal(Number(t.price) % 25, 0);
  for (const s of handler.books.stats()) {
    assert.equal(s.state, 'live');
    assert.ok(s.bidLevels >= 1 && s.bidLevels <= 8 && s.askLevels >= 1 && s.askLevels <= 8);
  }
  // The handler's book is the venue's book.
  const view = handler.books.levels('ESZ6.XCME', 'SIM')!;
  const venueBook = sim.bookOf('ESZ6')!;
  assert.deepEqual(
    view.bids.map((l) => [l.price, l.size]),
    Array.from({ length: venueBook.bids.depth }, (_, i) => [
      venueBook.bids.price(i) * 25,
      venueBook.bids.size(i),
    ]),
  );
});

test('answers a snapshot request with its current book, ahead of the next update', () => {
  const sim = new MarketSimulation(options);
  take(sim, 500);
  sim.requestSnapshot('AAPL');
  const snap = sim.next();
  assert.equal(snap.type, 'depth');
  assert.ok(snap.type === 'depth' && snap.kind === 'snapshot' && snap.symbol === 'AAPL');
  const book = sim.bookOf('AAPL')!;
  assert.deepEqual(
    snap.bids.map(([p]) => p),
    Array.from({ length: book.bids.depth }, (_, i) => (book.bids.price(i) / 100).toFixed(2)),
  );
  assert.throws(() => sim.requestSnapshot('NOPE'), { code: 'UNKNOWN_SYMBOL' });
});

test('lost diffs are detected as gaps and healed by snapshots from the venue', async () => {
  const out = new RecordingOutput();
  const venue = new SimulatedVenue({
    instruments: INSTRUMENTS,
    seed: 3,
    lossRate: 0.01,
    pace: 'max',
    maxEvents: 20_000,
  });
  const handler = new FeedHandler({
    resolver: testResolver(),
    output: {
      ...forward(out),
      resync: (r) => {
        out.resync(r);
        void venue.requestSnapshot(r.symbol);
      },
    },
  });
  await venue.start(handler);
  while (venue.eventCount < 20_000) await new Promise((r) => setImmediate(r));
  await venue.stop();
  const gaps = out.alerts.filter((a) => a.kind === eventsV1.AlertKind.ALERT_KIND_SEQUENCE_GAP);
  assert.ok(gaps.length > 20, `expected gaps, saw ${gaps.length}`);
  assert.equal(out.resyncs.length, gaps.length);
  const snapshots = out.depths.filter((d) => d.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT);
  assert.ok(snapshots.length >= gaps.length); // one per resync, plus the opening ones
  // Every published diff chains onto the event before it for the same book.
  const last = new Map<string, string>();
  for (const d of out.depths) {
    if (d.kind === eventsV1.DepthKind.DEPTH_KIND_DIFF)
      assert.equal(d.previousSequence, last.get(d.instrumentId));
    last.set(d.instrumentId, d.sequence);
  }
  assert.equal(out.alerts.length, gaps.length); // never crossed or locked
});

test('delivers in real time at the configured rate and stops cleanly', async () => {
  const events: RawMarketEvent[] = [];
  const sink: FeedSink = {
    onEvent: (e) => events.push(e),
    onMalformed: () => undefined,
    onStatus: () => undefined,
  };
  const venue = new SimulatedVenue({ instruments: INSTRUMENTS, seed: 5, eventsPerSecond: 20_000, tickMs: 5 });
  await venue.start(sink);
  await new Promise((r) => setTimeout(r, 150));
  await venue.stop();
  const count = events.length;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(events.length, count, 'no event after stop()');
  assert.ok(count > 3, `expected some events, saw ${count}`);
  const spanMicros = Number(events[count - 1]!.exchangeTimeMicros - events[0]!.exchangeTimeMicros);
  // Exchange times follow wall time: never ahead of the 150 ms run (plus a tick of slack).
  assert.ok(spanMicros <= 200_000, `span ${spanMicros}`);
});

function forward(out: RecordingOutput) {
  return {
    trade: out.trade.bind(out),
    quote: out.quote.bind(out),
    depth: out.depth.bind(out),
    alert: out.alert.bind(out),
    resync: out.resync.bind(out),
  };
}
