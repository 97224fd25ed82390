import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsV1 } from '@tapeline/contracts';
import type { RawDepth, RawLevel } from '../feed';
import { Normaliser } from '../normaliser';
import { fixedClock, RecordingOutput, testResolver } from '../testing/recording-output';
import { BookBuilder, type BookUpdateResult } from './book-builder';

const T0 = 1_767_225_600_000_000n;

function snapshot(seq: number, bids: RawLevel[], asks: RawLevel[], symbol = 'AAPL'): RawDepth {
  return {
    type: 'depth',
    kind: 'snapshot',
    venue: 'SIM',
    symbol,
    exchangeTimeMicros: T0 + BigInt(seq),
    receiveTimeMicros: T0 + BigInt(seq) + 100n,
    sequence: BigInt(seq),
    bids,
    asks,
  };
}

function diff(seq: number, prev: number, bids: RawLevel[], asks: RawLevel[] = []): RawDepth {
  return {
    type: 'depth',
    kind: 'diff',
    venue: 'SIM',
    symbol: 'AAPL',
    exchangeTimeMicros: T0 + BigInt(seq),
    receiveTimeMicros: T0 + BigInt(seq) + 100n,
    sequence: BigInt(seq),
    previousSequence: BigInt(prev),
    bids,
    asks,
  };
}

function setup(options: { resyncRetryMicros?: bigint; maxBufferedDiffs?: number } = {}) {
  const time = fixedClock(T0 + 1_000_000n);
  const out = new RecordingOutput();
  const normaliser = new Normaliser(testResolver(), { clock: time.clock, onAlert: (a) => out.alert(a) });
  const books = new BookBuilder(out, { clock: time.clock, ...options });
  const apply = (raw: RawDepth): BookUpdateResult => books.apply(normaliser.depth(raw)!);
  const book = () => books.levels('AAPL.XNAS', 'SIM')!;
  return { time, out, books, apply, book };
}

const OPEN_BIDS: RawLevel[] = [
  ['189.50', '300'],
  ['189.49', '500'],
];
const OPEN_ASKS: RawLevel[] = [
  ['189.52', '200'],
  ['189.53', '400'],
];

test('builds the book from a snapshot and the diffs that follow it', () => {
  const { apply, book, out } = setup();
  assert.equal(apply(snapshot(100, OPEN_BIDS, OPEN_ASKS)), 'snapshot');
  assert.equal(apply(diff(101, 100, [['189.51', '100']])), 'applied');
  assert.equal(apply(diff(102, 101, [['189.49', '0']], [['189.52', '50']])), 'applied');
  const b = book();
  assert.equal(b.state, 'live');
  assert.equal(b.sequence, 102);
  assert.deepEqual(b.bids, [
    { price: 18951, size: 100 },
    { price: 18950, size: 300 },
  ]);
  assert.deepEqual(b.asks, [
    { price: 18952, size: 50 },
    { price: 18953, size: 400 },
  ]);
  assert.deepEqual(
    out.depths.map((d) => [d.kind, d.sequence, d.previousSequence]),
    [
      [eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT, '100', '0'],
      [eventsV1.DepthKind.DEPTH_KIND_DIFF, '101', '100'],
      [eventsV1.DepthKind.DEPTH_KIND_DIFF, '102', '101'],
    ],
  );
  assert.deepEqual(out.depths[2]!.bids, [{ price: '18949', size: '0' }]);
  assert.deepEqual(out.depths[0]!.asks, [
    { price: '18952', size: '200' },
    { price: '18953', size: '400' },
  ]);
  assert.equal(out.depths[1]!.exchangeTimeMicros, String(T0 + 101n));
  assert.equal(out.depths[1]!.receiveTimeMicros, String(T0 + 201n));
  assert.equal(out.depths[1]!.publishTimeMicros, String(T0 + 1_000_000n));
  assert.deepEqual(out.alerts, []);
});

test('derives a quote from the top of book only when the top changes', () => {
  const { apply, out } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  apply(diff(101, 100, [['189.48', '700']])); // deeper level: top unchanged
  apply(diff(102, 101, [['189.51', '100']]));
  assert.deepEqual(
    out.quotes.map((q) => [q.sequence, q.bidPrice, q.bidSize, q.askPrice, q.askSize]),
    [
      ['100', '18950', '300', '18952', '200'],
      ['102', '18951', '100', '18952', '200'],
    ],
  );
  assert.equal(out.quotes[1]!.instrumentId, 'AAPL.XNAS');
  assert.equal(out.quotes[1]!.priceScale, 2);
});

test('drops a diff older than the book', () => {
  const { apply, book, out, books } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  assert.equal(apply(diff(100, 99, [['189.40', '1']])), 'stale_dropped');
  assert.equal(apply(diff(99, 98, [['189.40', '1']])), 'stale_dropped');
  assert.equal(book().bids.length, 2);
  assert.equal(out.depths.length, 1);
  assert.equal(books.stats()[0]!.staleDropped, 2);
});

test('applies a diff that overlaps the snapshot (Binance-style first update)', () => {
  const { apply, book, out } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  // Updates 98..105: previous 97 < book 100 < 105.
  assert.equal(apply(diff(105, 97, [['189.50', '250']])), 'applied');
  assert.equal(book().sequence, 105);
  assert.deepEqual(book().bids[0], { price: 18950, size: 250 });
  // The published diff chains from the book's sequence, not the venue's range.
  assert.equal(out.depths[1]!.previousSequence, '100');
  assert.equal(apply(diff(106, 105, [['189.51', '5']])), 'applied');
});

test('a gap makes the book stale, asks for a resync, and recovers from the next snapshot', () => {
  const { apply, book, out } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  apply(diff(101, 100, [['189.51', '100']]));
  assert.equal(apply(diff(104, 103, [['189.50', '0']])), 'gap');
  assert.equal(book().state, 'stale');
  assert.deepEqual(out.resyncs, [
    { venue: 'SIM', symbol: 'AAPL', instrumentId: 'AAPL.XNAS', reason: 'gap', bookSequence: 101 },
  ]);
  const gap = out.alerts.find((a) => a.kind === eventsV1.AlertKind.ALERT_KIND_SEQUENCE_GAP)!;
  assert.equal(gap.attributes.book_sequence, '101');
  assert.equal(gap.attributes.previous_sequence, '103');
  assert.equal(gap.attributes.missing_updates, '2');
  // While stale: further diffs are buffered, not applied, and no second resync is asked for.
  assert.equal(apply(diff(105, 104, [['189.49', '600']])), 'buffered');
  assert.equal(apply(diff(106, 105, [], [['189.52', '150']])), 'buffered');
  assert.equal(out.resyncs.length, 1);
  const published = out.depths.length;
  // Snapshot at 104 (already includes update 104): the buffered 104 is stale, 105 and 106 apply.
  assert.equal(
    apply(
      snapshot(
        104,
        [
          ['189.51', '100'],
          ['189.49', '500'],
        ],
        OPEN_ASKS,
      ),
    ),
    'snapshot',
  );
  const b = book();
  assert.equal(b.state, 'live');
  assert.equal(b.sequence, 106);
  assert.deepEqual(b.bids, [
    { price: 18951, size: 100 },
    { price: 18949, size: 600 },
  ]);
  assert.deepEqual(b.asks, [
    { price: 18952, size: 150 },
    { price: 18953, size: 400 },
  ]);
  assert.deepEqual(
    out.depths.slice(published).map((d) => [d.kind, d.sequence, d.previousSequence]),
    [
      [eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT, '104', '0'],
      [eventsV1.DepthKind.DEPTH_KIND_DIFF, '105', '104'],
      [eventsV1.DepthKind.DEPTH_KIND_DIFF, '106', '105'],
    ],
  );
});

test('diffs before the first snapshot are buffered and an initial snapshot is requested', () => {
  const { apply, book, out } = setup();
  assert.equal(apply(diff(101, 100, [['189.51', '100']])), 'buffered');
  assert.equal(book().state, 'awaiting_snapshot');
  assert.equal(out.resyncs[0]!.reason, 'initial');
  assert.equal(out.resyncs[0]!.bookSequence, -1);
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  assert.equal(book().sequence, 101);
  assert.deepEqual(book().bids[0], { price: 18951, size: 100 });
});

test('a hole inside the buffered diffs sends the book back to stale after the snapshot', () => {
  const { apply, book, out } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  apply(diff(102, 101, [['189.51', '1']])); // gap
  apply(diff(105, 104, [['189.51', '2']])); // buffered, after a second hole
  apply(snapshot(102, OPEN_BIDS, OPEN_ASKS));
  assert.equal(book().state, 'stale');
  assert.equal(book().sequence, 102);
  assert.equal(out.resyncs.length, 2);
  apply(snapshot(105, OPEN_BIDS, OPEN_ASKS));
  assert.equal(book().state, 'live');
  assert.equal(book().sequence, 105);
});

test('an unanswered resync is requested again after the retry interval', () => {
  const { apply, out, books, time } = setup({ resyncRetryMicros: 2_000_000n });
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  apply(diff(103, 102, [['189.51', '1']]));
  books.check(time.now + 1_999_999n);
  assert.equal(out.resyncs.length, 1);
  books.check(time.now + 2_000_000n);
  assert.deepEqual(
    out.resyncs.map((r) => r.reason),
    ['gap', 'retry'],
  );
});

test('raises a locked-book alert when best bid equals best ask, and a crossed one when above', () => {
  const { apply, out } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  apply(diff(101, 100, [['189.52', '10']]));
  apply(diff(102, 101, [['189.51', '10']])); // still locked: no second alert
  apply(diff(103, 102, [['189.53', '10']]));
  apply(
    diff(104, 103, [
      ['189.53', '0'],
      ['189.52', '0'],
    ]),
  ); // back to normal
  apply(diff(105, 104, [['189.52', '10']])); // locked again
  assert.deepEqual(
    out.alerts.map((a) => [a.kind, a.attributes.bid_price, a.attributes.ask_price, a.attributes.sequence]),
    [
      [eventsV1.AlertKind.ALERT_KIND_LOCKED_BOOK, '189.52', '189.52', '101'],
      [eventsV1.AlertKind.ALERT_KIND_CROSSED_BOOK, '189.53', '189.52', '103'],
      [eventsV1.AlertKind.ALERT_KIND_LOCKED_BOOK, '189.52', '189.52', '105'],
    ],
  );
  assert.equal(out.alerts[1]!.severity, eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL);
  assert.equal(out.alerts[1]!.instrumentId, 'AAPL.XNAS');
});

test('gives the top N levels and a snapshot event on demand', () => {
  const { apply, books } = setup();
  apply(
    snapshot(
      100,
      [
        ['189.50', '300'],
        ['189.48', '100'],
        ['189.49', '500'],
      ],
      [['189.55', '1'], ...OPEN_ASKS],
    ),
  );
  const top2 = books.levels('AAPL.XNAS', 'SIM', 2)!;
  assert.deepEqual(
    top2.bids.map((l) => l.price),
    [18950, 18949],
  );
  assert.deepEqual(
    top2.asks.map((l) => l.price),
    [18952, 18953],
  );
  const snap = books.snapshot('AAPL.XNAS', 'SIM', 1)!;
  assert.equal(snap.kind, eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT);
  assert.equal(snap.sequence, '100');
  assert.deepEqual(snap.bids, [{ price: '18950', size: '300' }]);
  assert.deepEqual(snap.asks, [{ price: '18952', size: '200' }]);
  assert.equal(books.snapshots().length, 1);
  assert.equal(books.snapshot('ESZ6.XCME', 'SIM'), undefined);
});

test('publishes diff levels best first even when the venue sends them in another order', () => {
  const { apply, out } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  apply(
    diff(
      101,
      100,
      [
        ['189.40', '1'],
        ['189.45', '2'],
      ],
      [
        ['189.60', '1'],
        ['189.55', '2'],
      ],
    ),
  );
  assert.deepEqual(
    out.depths[1]!.bids.map((l) => l.price),
    ['18945', '18940'],
  );
  assert.deepEqual(
    out.depths[1]!.asks.map((l) => l.price),
    ['18955', '18960'],
  );
});

test('a disconnect makes the books stale and the reconnect asks for snapshots', () => {
  const { apply, books, out, book } = setup();
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  books.invalidateVenue('SIM');
  assert.equal(book().state, 'stale');
  books.resyncVenue('SIM');
  assert.deepEqual(
    out.resyncs.map((r) => [r.symbol, r.reason]),
    [['AAPL', 'reconnect']],
  );
  // A snapshot older than the one held is accepted once the book is stale.
  apply(snapshot(100, OPEN_BIDS, OPEN_ASKS));
  assert.equal(book().state, 'live');
});

test('keeps the newest diffs when the buffer overflows', () => {
  const { apply, books } = setup({ maxBufferedDiffs: 4 });
  for (let s = 1; s <= 6; s++) apply(diff(100 + s, 99 + s, [['189.50', String(s)]]));
  const stats = books.stats()[0]!;
  assert.equal(stats.bufferDropped, 2);
  assert.equal(stats.buffered, 4);
});
