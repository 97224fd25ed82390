import test from 'node:test';
import assert from 'node:assert/strict';
import { OrderStore } from '@tapeline/orders';
import { VenueError } from '../errors';
import { BUY, describe, MARKET, OrderLedger, request, SELL, STATUS, TIF } from '../testing/order-ledger';
import { decodeCommand, encodeCommand, type SimulatedVenueCommand } from './commands';
import { SimulatedMatchingVenue } from './simulated-matching-venue';

const P100 = 10000n; // 100.00 at price scale 2

async function setup(options: { commands?: SimulatedVenueCommand[] } = {}) {
  let now = 1_000_000n;
  const clock = () => (now += 10n);
  const venue = new SimulatedMatchingVenue({
    clock,
    onCommand: options.commands ? (c) => options.commands!.push(c) : undefined,
  });
  const oms = new OrderLedger(venue, clock);
  await venue.start(oms);
  return { venue, oms, setNow: (t: bigint) => (now = t) };
}

function assertAccepted(oms: OrderLedger): void {
  assert.deepEqual(oms.refused, [], 'every venue event is accepted by the order state machine');
}

test('fills better prices first and, within a price, the earlier order first', async () => {
  const { venue, oms } = await setup();
  const o1 = await oms.submit({ side: SELL, price: 10100n, orderQty: 5n, accountId: 'a' });
  const o2 = await oms.submit({ side: SELL, price: P100, orderQty: 5n, accountId: 'b' });
  const o3 = await oms.submit({ side: SELL, price: P100, orderQty: 5n, accountId: 'c' });
  const o4 = await oms.submit({ side: BUY, price: 10100n, orderQty: 12n, accountId: 'd' });

  assert.deepEqual(oms.trail(o4), ['Ack', 'Fill 5@10000', 'Fill 5@10000', 'Fill 2@10100']);
  const fills = oms.events.filter((e) => e.type === 'Fill');
  assert.deepEqual(
    fills.map((e) => [e.orderId, e.execId]),
    [
      [o4, 'SIM-1-o4'],
      [o2, 'SIM-1-o2'],
      [o4, 'SIM-2-o4'],
      [o3, 'SIM-2-o3'],
      [o4, 'SIM-3-o4'],
      [o1, 'SIM-3-o1'],
    ],
  );
  assert.equal(oms.order(o4).status, STATUS.ORD_STATUS_FILLED);
  // (5 x 100.00 + 5 x 100.00 + 2 x 101.00) / 12 = 100.1666.. -> 100.17
  assert.equal(oms.order(o4).avgPx, 10017n);
  assert.equal(oms.order(o1).status, STATUS.ORD_STATUS_PARTIALLY_FILLED);
  assert.equal(oms.order(o1).leavesQty, 3n);
  assert.deepEqual(venue.restingOrders('XS0001'), [{ orderId: o1, side: SELL, price: 10100, leavesQty: 3 }]);
  assertAccepted(oms);
});

test('a resting order fills partially, then completely, with CumQty and LeavesQty following', async () => {
  const { oms } = await setup();
  const maker = await oms.submit({ side: SELL, orderQty: 10n });
  await oms.submit({ side: BUY, orderQty: 4n });
  assert.equal(oms.order(maker).status, STATUS.ORD_STATUS_PARTIALLY_FILLED);
  assert.equal(oms.order(maker).cumQty, 4n);
  assert.equal(oms.order(maker).leavesQty, 6n);
  await oms.submit({ side: BUY, orderQty: 6n, price: 10200n });
  assert.deepEqual(oms.trail(maker), ['Ack', 'Fill 4@10000', 'Fill 6@10000']);
  assert.equal(oms.order(maker).status, STATUS.ORD_STATUS_FILLED);
  assertAccepted(oms);
});

test('an IOC order trades what crosses and the venue cancels the remainder', async () => {
  const { venue, oms } = await setup();
  await oms.submit({ side: SELL, orderQty: 3n });
  const ioc = await oms.submit({ side: BUY, orderQty: 5n, timeInForce: TIF.TIME_IN_FORCE_IOC });
  assert.deepEqual(oms.trail(ioc), ['Ack', 'Fill 3@10000', 'VenueCancel']);
  const cancel = oms.events.at(-1)!;
  assert.ok(cancel.type === 'VenueCancel');
  assert.match(cancel.text, /remainder of 2 cancelled/);
  assert.equal(oms.order(ioc).status, STATUS.ORD_STATUS_CANCELED);
  assert.equal(oms.order(ioc).cumQty, 3n);
  assert.deepEqual(venue.restingOrders('XS0001'), []);
  // A market order with no liquidity left is cancelled the same way.
  const market = await oms.submit({ side: BUY, ordType: MARKET, price: undefined, orderQty: 1n });
  assert.deepEqual(oms.trail(market), ['Ack', 'VenueCancel']);
  assertAccepted(oms);
});

test('a FOK order that cannot fill completely is killed without touching the book', async () => {
  const { venue, oms } = await setup();
  const maker = await oms.submit({ side: SELL, orderQty: 3n });
  const fok = await oms.submit({ side: BUY, orderQty: 5n, timeInForce: TIF.TIME_IN_FORCE_FOK });
  assert.deepEqual(oms.trail(fok), ['Ack', 'VenueCancel']);
  assert.equal(oms.order(fok).status, STATUS.ORD_STATUS_CANCELED);
  assert.deepEqual(venue.restingOrders('XS0001'), [
    { orderId: maker, side: SELL, price: 10000, leavesQty: 3 },
  ]);
  const fits = await oms.submit({ side: BUY, orderQty: 3n, timeInForce: TIF.TIME_IN_FORCE_FOK });
  assert.deepEqual(oms.trail(fits), ['Ack', 'Fill 3@10000']);
  assertAccepted(oms);
});

test('GTD orders expire at their ExpireTime and DAY orders at the end of the day', async () => {
  const { venue, oms, setNow } = await setup();
  setNow(5_000_000n);
  const gtd = await oms.submit({ timeInForce: TIF.TIME_IN_FORCE_GTD, expireTimeMicros: 6_000_000n });
  const day = await oms.submit({ timeInForce: TIF.TIME_IN_FORCE_DAY, price: 9900n });
  const gtc = await oms.submit({ timeInForce: TIF.TIME_IN_FORCE_GTC, price: 9800n });
  await venue.expire(5_999_999n);
  assert.equal(oms.order(gtd).status, STATUS.ORD_STATUS_NEW);
  await venue.expire(6_000_000n);
  assert.deepEqual(oms.trail(gtd), ['Ack', 'Expire']);
  assert.equal(oms.order(gtd).status, STATUS.ORD_STATUS_EXPIRED);
  assert.equal(oms.order(day).status, STATUS.ORD_STATUS_NEW);
  await venue.endOfDay();
  assert.equal(oms.order(day).status, STATUS.ORD_STATUS_EXPIRED);
  assert.equal(oms.order(gtc).status, STATUS.ORD_STATUS_NEW);
  // An ExpireTime already past is refused.
  const late = await oms.submit({ timeInForce: TIF.TIME_IN_FORCE_GTD, expireTimeMicros: 4_000_000n });
  assert.deepEqual(oms.trail(late), ['Reject']);
  assert.equal(oms.order(late).status, STATUS.ORD_STATUS_REJECTED);
  assertAccepted(oms);
});

test('cancels a working order, and refuses to cancel one it does not know or that is done', async () => {
  const { venue, oms } = await setup();
  const o1 = await oms.submit();
  await oms.cancel(o1);
  assert.deepEqual(oms.trail(o1), ['Ack', 'CancelAck']);
  assert.equal(oms.order(o1).status, STATUS.ORD_STATUS_CANCELED);
  assert.equal(oms.order(o1).clOrdId, `${o1}-x1`);
  assert.deepEqual(venue.restingOrders('XS0001'), []);

  // Known to the oms only (never reached the venue): CancelReject, the order stays PendingNew.
  oms.apply({ type: 'Submit', orderId: 'ghost', atMicros: 1n, request: request({ clOrdId: 'g' }) });
  await oms.cancel('ghost');
  assert.deepEqual(oms.trail('ghost'), ['CancelReject']);
  assert.equal(oms.order('ghost').status, STATUS.ORD_STATUS_PENDING_NEW);

  // Filled at the venue while the cancel was on its way: too late, and the order ends Filled.
  const maker = await oms.submit({ side: SELL, orderQty: 2n });
  oms.apply({ type: 'CancelRequest', orderId: maker, atMicros: 2n, clOrdId: 'too-late' });
  const inFlight = oms.venueOrder(maker);
  await oms.submit({ side: BUY, orderQty: 2n });
  await venue.cancel(inFlight, 'too-late');
  const reject = oms.events.at(-1)!;
  assert.ok(reject.type === 'CancelReject');
  assert.equal(reject.text, `too late to cancel: order ${maker} is Filled`);
  assert.equal(oms.order(maker).status, STATUS.ORD_STATUS_FILLED);
  assertAccepted(oms);
});

test('a replace keeps time priority when it only reduces quantity and loses it otherwise', async () => {
  const { venue, oms } = await setup();
  const o1 = await oms.submit({ side: SELL, orderQty: 5n });
  const o2 = await oms.submit({ side: SELL, orderQty: 5n });
  const o3 = await oms.submit({ side: SELL, orderQty: 5n });
  await oms.replace(o1, 3n); // smaller, same price: keeps its place
  await oms.replace(o2, 8n); // larger: to the back of 100.00
  const queue = () => venue.restingOrders('XS0001').map((r) => `${r.orderId}:${r.price}x${r.leavesQty}`);
  assert.deepEqual(queue(), [`${o1}:10000x3`, `${o3}:10000x5`, `${o2}:10000x8`]);
  await oms.replace(o3, 5n, 9900n); // new price: its own, better level
  assert.deepEqual(queue(), [`${o3}:9900x5`, `${o1}:10000x3`, `${o2}:10000x8`]);
  assert.deepEqual(oms.trail(o1), ['Ack', 'ReplaceAck']);
  assert.equal(oms.order(o1).orderQty, 3n);

  const taker = await oms.submit({ side: BUY, orderQty: 9n });
  assert.deepEqual(oms.trail(taker), ['Ack', 'Fill 5@9900', 'Fill 3@10000', 'Fill 1@10000']);
  assert.equal(oms.order(o2).cumQty, 1n);

  // After a fill, OrderQty counts what traded: 8 with 1 filled -> 4 leaves 3 open.
  await oms.replace(o2, 4n);
  assert.deepEqual(queue(), [`${o2}:10000x3`]);
  assert.equal(oms.order(o2).leavesQty, 3n);
  assertAccepted(oms);
});

test('a replace whose new price crosses is acknowledged before it trades', async () => {
  const { venue, oms } = await setup();
  const ask = await oms.submit({ side: SELL, orderQty: 4n, price: 10100n, accountId: 'a' });
  const bid = await oms.submit({ side: BUY, orderQty: 6n, price: 9800n, accountId: 'b' });
  await oms.replace(bid, 6n, 10100n);
  assert.deepEqual(oms.trail(bid), ['Ack', 'ReplaceAck', 'Fill 4@10100']);
  assert.equal(oms.order(ask).status, STATUS.ORD_STATUS_FILLED);
  assert.deepEqual(venue.restingOrders('XS0001'), [{ orderId: bid, side: BUY, price: 10100, leavesQty: 2 }]);
  assertAccepted(oms);
});

test('seeded liquidity trades with oms orders and reports the oms side only', async () => {
  const { venue, oms } = await setup();
  await venue.seedBook('XS0001', {
    bids: [{ price: 9990, qty: 10 }],
    asks: [
      { price: 10010, qty: 5 },
      { price: 10020, qty: 10 },
    ],
  });
  const buy = await oms.submit({ side: BUY, ordType: MARKET, price: undefined, orderQty: 8n });
  assert.deepEqual(oms.trail(buy), ['Ack', 'Fill 5@10010', 'Fill 3@10020']);
  assert.equal(oms.events.length, 3);
  assert.deepEqual(venue.restingOrders('XS0001'), [
    { orderId: null, side: BUY, price: 9990, leavesQty: 10 },
    { orderId: null, side: SELL, price: 10020, leavesQty: 7 },
  ]);
  await assert.rejects(
    venue.seedBook('XS0001', { bids: [{ price: 10030, qty: 1 }], asks: [] }),
    (err: unknown) =>
      err instanceof VenueError && err.code === 'INVALID_COMMAND' && /crosses/.test(err.message),
  );
  assertAccepted(oms);
});

test('a refresh replaces the seeded liquidity and leaves out levels crossing the oms resting orders', async () => {
  const commands: SimulatedVenueCommand[] = [];
  const { venue, oms } = await setup({ commands });
  await venue.seedBook('XS0001', { bids: [{ price: 9990, qty: 10 }], asks: [{ price: 10010, qty: 5 }] });
  const bid = await oms.submit({ side: BUY, price: 10000n, orderQty: 3n });
  // The market moved up through the oms bid: its 99.95 ask would cross the bid at 100.00.
  await venue.refreshBook('XS0001', {
    bids: [{ price: 9995, qty: 7 }],
    asks: [
      { price: 9999, qty: 4 },
      { price: 10020, qty: 6 },
    ],
  });
  assert.deepEqual(venue.restingOrders('XS0001'), [
    { orderId: bid, side: BUY, price: 10000, leavesQty: 3 },
    { orderId: null, side: BUY, price: 9995, leavesQty: 7 },
    { orderId: null, side: SELL, price: 10020, leavesQty: 6 },
  ]);
  assert.deepEqual(oms.trail(bid), ['Ack'], 'the old seed left without a report');
  await assert.rejects(
    venue.refreshBook('XS0001', { bids: [{ price: 10030, qty: 1 }], asks: [{ price: 10030, qty: 1 }] }),
    (err: unknown) => err instanceof VenueError && /crosses/.test(err.message),
  );
  const sell = await oms.submit({ side: SELL, ordType: MARKET, price: undefined, orderQty: 5n });
  assert.deepEqual(oms.trail(sell), ['Ack', 'Fill 3@10000', 'Fill 2@9995']);

  // Journaled and replayed: the same books.
  const again = new SimulatedMatchingVenue();
  again.replay(commands.map((c) => decodeCommand(encodeCommand(c))));
  assert.deepEqual(again.restingOrders('XS0001'), venue.restingOrders('XS0001'));
  assertAccepted(oms);
});

test('refuses a price beyond the safe integer range, naming the field', async () => {
  const { oms } = await setup();
  const o = await oms.submit({ price: 2n ** 60n });
  const reject = oms.events.at(-1)!;
  assert.ok(reject.type === 'Reject' && reject.orderId === o);
  assert.match(reject.text, /^price 1152921504606846976 is outside the safe integer range/);
});

test('cancelAll takes the matching open orders off the book with VenueCancel', async () => {
  const { venue, oms } = await setup();
  const a1 = await oms.submit({ accountId: 'a', price: 9900n });
  const b1 = await oms.submit({ accountId: 'b', price: 9800n });
  const a2 = await oms.submit({ accountId: 'a', price: 9700n, instrumentId: 'XS0002' });
  await venue.cancelAll({ accountId: 'a' }, 'kill switch: account a');
  assert.deepEqual(oms.trail(a1), ['Ack', 'VenueCancel']);
  assert.deepEqual(oms.trail(a2), ['Ack', 'VenueCancel']);
  assert.deepEqual(oms.trail(b1), ['Ack']);
  const cancel = oms.events.find((e) => e.orderId === a1 && e.type === 'VenueCancel');
  assert.ok(cancel?.type === 'VenueCancel' && cancel.text === 'kill switch: account a');
  assertAccepted(oms);
});

/** A day of mixed traffic on two instruments, driven through the port. */
async function tradingDay(oms: OrderLedger, venue: SimulatedMatchingVenue, setNow: (t: bigint) => bigint) {
  await venue.seedBook('XS0001', { bids: [{ price: 9950, qty: 20 }], asks: [{ price: 10050, qty: 20 }] });
  const a = await oms.submit({ accountId: 'a', side: SELL, orderQty: 10n });
  const b = await oms.submit({ accountId: 'b', side: SELL, orderQty: 5n, price: 10010n });
  await oms.submit({ accountId: 'c', side: BUY, orderQty: 12n, price: 10010n });
  await oms.replace(b, 9n, 10000n);
  const gtd = await oms.submit({
    accountId: 'd',
    side: BUY,
    price: 9960n,
    timeInForce: TIF.TIME_IN_FORCE_GTD,
    expireTimeMicros: 1_000_500n,
  });
  await oms.submit({
    accountId: 'e',
    side: BUY,
    orderQty: 30n,
    price: 10050n,
    timeInForce: TIF.TIME_IN_FORCE_IOC,
  });
  await oms.submit({ accountId: 'f', instrumentId: 'XS0002', side: BUY, orderQty: 7n, price: 500n });
  await oms.submit({ accountId: 'g', instrumentId: 'XS0002', side: SELL, orderQty: 3n, price: 490n });
  const open = await oms.submit({ accountId: 'h', side: SELL, orderQty: 4n, price: 10500n });
  setNow(1_000_600n);
  await venue.expire();
  await oms.cancel(open);
  await oms.submit({ accountId: 'a', side: BUY, orderQty: 2n, timeInForce: TIF.TIME_IN_FORCE_FOK });
  await venue.cancelAll({ instrumentId: 'XS0002' }, 'instrument halted');
  return { a, b, gtd };
}

test('replaying the command log into a fresh venue reproduces the exact books and events', async () => {
  const commands: SimulatedVenueCommand[] = [];
  const { venue, oms, setNow } = await setup({ commands });
  const { gtd } = await tradingDay(oms, venue, setNow);
  setNow(2_000_000n - 20n); // the ledger ticks once, then the venue reads 2_000_000n
  assertAccepted(oms);
  assert.equal(oms.order(gtd).status, STATUS.ORD_STATUS_EXPIRED);
  assert.ok(oms.events.filter((e) => e.type === 'Fill').length >= 6);

  // The journal keeps the commands as JSON; a fresh venue replays them, its sink untouched.
  const journal = commands.map(encodeCommand);
  const rebuilt = new SimulatedMatchingVenue({ clock: () => 2_000_000n });
  const silent = new OrderLedger(rebuilt);
  await rebuilt.start(silent);
  const replayed = rebuilt.replay(journal.map(decodeCommand));
  assert.deepEqual(silent.events, [], 'replay does not call the sink');
  assert.deepEqual(replayed, oms.events);
  for (const instrument of ['XS0001', 'XS0002']) {
    assert.deepEqual(rebuilt.restingOrders(instrument), venue.restingOrders(instrument));
  }

  // The rebuilt venue goes on exactly like the original: same next ExecIDs.
  const next = { side: SELL, orderQty: 3n, price: 9900n, accountId: 'z' } as const;
  await oms.submit(next, 'after');
  await silent.submit(next, 'after');
  assert.deepEqual(oms.trail('after'), ['Ack', 'Fill 3@9950']);
  assert.deepEqual(
    silent.events,
    oms.events.filter((e) => e.orderId === 'after'),
  );
});

test('requestStatus answers with what the oms missed: the CumQty it lacks and the end of the order', async () => {
  const { venue, oms } = await setup();
  const maker = await oms.submit({ side: SELL, orderQty: 10n, accountId: 'a' });
  await oms.submit({ side: BUY, orderQty: 4n, accountId: 'b' });
  await oms.submit({ side: BUY, orderQty: 3n, accountId: 'b', price: 10100n });
  await oms.cancel(maker);
  // The oms restarted having journaled only up to the first fill of the maker (and its cancel request).
  const firstFill = oms.journal.findIndex((e) => e.orderId === maker && e.type === 'Fill');
  const lost = new Set(
    oms.journal.filter((e, i) => e.orderId === maker && i > firstFill && e.type !== 'CancelRequest'),
  );
  const restarted = OrderStore.rebuild(oms.journal.filter((e) => !lost.has(e)));
  assert.equal(restarted.require(maker).cumQty, 4n);
  const after = new OrderLedger(venue);
  await venue.start(after);
  await venue.requestStatus({ order: restarted.require(maker), venueSymbol: 'SYM' });
  assert.deepEqual(after.events.map(describe), ['Fill 3@10000', 'CancelAck']);
  const missed = after.events[0]!;
  assert.ok(missed.type === 'Fill' && missed.execId === `SIM-status-${maker}-7`);
  for (const e of after.events) restarted.apply(e);
  assert.deepEqual(restarted.require(maker), oms.order(maker));
});
