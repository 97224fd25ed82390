import test from 'node:test';
import assert from 'node:assert/strict';
import { eventsV1 } from '@tapeline/contracts';
import { createLogger } from '@tapeline/telemetry';
import { SimulatedMatchingVenue, type SimulatedVenueCommand } from '@tapeline/venues';
import type { VenueRoutingConfig } from '../routing/venue-config';
import { MarketBooks } from './market-books';
import { MarketSeeder } from './market-seeder';

const { DEPTH_KIND_SNAPSHOT: SNAPSHOT, DEPTH_KIND_DIFF: DIFF } = eventsV1.DepthKind;

function depth(
  kind: eventsV1.DepthKind,
  sequence: number,
  previous: number,
  bids: [number, number][],
  asks: [number, number][],
  scales: { priceScale?: number; sizeScale?: number; venue?: string } = {},
): eventsV1.DepthEvent {
  const levels = (ls: [number, number][]) => ls.map(([p, s]) => ({ price: String(p), size: String(s) }));
  return {
    instrumentId: 'X',
    venue: scales.venue ?? 'MKT',
    sequence: String(sequence),
    previousSequence: String(previous),
    kind,
    priceScale: scales.priceScale ?? 2,
    sizeScale: scales.sizeScale ?? 0,
    bids: levels(bids),
    asks: levels(asks),
    exchangeTimeMicros: '0',
    receiveTimeMicros: '0',
    publishTimeMicros: '0',
  };
}

function quote(bid: number, ask: number): eventsV1.QuoteEvent {
  return {
    instrumentId: 'X',
    venue: 'MKT',
    sequence: '1',
    priceScale: 2,
    sizeScale: 0,
    bidPrice: String(bid),
    bidSize: '7',
    askPrice: String(ask),
    askSize: '8',
    exchangeTimeMicros: '0',
    receiveTimeMicros: '0',
    publishTimeMicros: '0',
  };
}

const prices = (books: MarketBooks) => {
  const v = books.view('X', 10)!;
  return [v.bids.map((l) => `${l.price}x${l.size}`), v.asks.map((l) => `${l.price}x${l.size}`)];
};

test('the depth book follows a snapshot and its diffs, and waits for a snapshot after a gap', () => {
  const books = new MarketBooks();
  assert.equal(books.onDepth(depth(DIFF, 5, 4, [[100, 1]], []), 1), false, 'a diff before any snapshot');
  books.onDepth(
    depth(
      SNAPSHOT,
      10,
      0,
      [
        [99, 5],
        [100, 3],
      ],
      [
        [101, 4],
        [103, 1],
      ],
    ),
    1,
  );
  books.onDepth(
    depth(
      DIFF,
      11,
      10,
      [
        [100, 0],
        [98, 2],
      ],
      [[102, 6]],
    ),
    2,
  );
  assert.deepEqual(prices(books), [
    ['99x5', '98x2'],
    ['101x4', '102x6', '103x1'],
  ]);
  assert.equal(books.onDepth(depth(DIFF, 13, 12, [[99, 9]], []), 3), false, 'a gap');
  assert.equal(books.onDepth(depth(DIFF, 14, 13, [[99, 9]], []), 3), false, 'still waiting for a snapshot');
  // Meanwhile quotes stand in for the book.
  books.onQuote(quote(97, 104), 4);
  assert.deepEqual(prices(books), [['97x7'], ['104x8']]);
  books.onDepth(depth(SNAPSHOT, 20, 0, [[96, 1]], [[105, 1]]), 5);
  assert.equal(books.onQuote(quote(97, 104), 6), false, 'quotes are ignored while depth is synced');
  assert.deepEqual(prices(books), [['96x1'], ['105x1']]);
  assert.equal(books.onDepth(depth(SNAPSHOT, 30, 0, [[1, 1]], [], { venue: 'OTHER' }), 7), false);
  assert.deepEqual([...books.takeChanged()], ['X']);
  assert.deepEqual([...books.takeChanged()], []);
});

test('the seeder refreshes the simulated book at the instrument scales, once per change', async () => {
  const commands: SimulatedVenueCommand[] = [];
  const venue = new SimulatedMatchingVenue({ name: 'SIM', onCommand: (c) => commands.push(c) });
  await venue.start({ onEvent() {}, onSessionState() {} });
  const routing: VenueRoutingConfig = { defaultVenue: 'SIM', venues: [], routes: [] };
  let now = 1000;
  const seeder = new MarketSeeder(
    { simulated: () => new Map([['SIM', venue]]) },
    routing,
    // The instrument trades at price scale 1 and size scale 0; the market quotes at 2 and 1.
    { get: () => Promise.resolve({ priceScale: 1, sizeScale: 0, venueSymbols: new Map([['SIM', 'X']]) }) },
    { intervalMs: 1000, levels: 2, maxAgeMs: 5000, nowMs: () => now },
    createLogger('oms-test', 'silent'),
  );
  const market = (e: eventsV1.DepthEvent) =>
    seeder.onMarket({ topic: 'depth', value: e } as Parameters<MarketSeeder['onMarket']>[0]);
  market(
    depth(
      SNAPSHOT,
      1,
      0,
      [
        [9990, 55],
        [9985, 20], // 99.85 is not on the instrument's 0.1 grid: left out
        [9980, 9], // 0.9 rounds down to nothing: left out
        [9970, 30],
      ],
      [[10010, 40]],
      { priceScale: 2, sizeScale: 1 },
    ),
  );
  seeder.refresh(); // asks the symbol lookup
  await new Promise((r) => setImmediate(r));
  seeder.refresh();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(venue.restingOrders('X'), [
    { orderId: null, side: 1, price: 999, leavesQty: 5 },
    { orderId: null, side: 1, price: 997, leavesQty: 3 },
    { orderId: null, side: 2, price: 1001, leavesQty: 4 },
  ]);
  seeder.refresh();
  market(depth(DIFF, 2, 1, [[9960, 10]], [], { priceScale: 2, sizeScale: 1 })); // below the 2 levels seeded
  seeder.refresh();
  await new Promise((r) => setImmediate(r));
  assert.equal(commands.length, 1, 'nothing new to seed: no command');
  now += 6000;
  seeder.refresh();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(venue.restingOrders('X'), [], 'a silent market is withdrawn');
  assert.equal(commands.length, 2);
});
