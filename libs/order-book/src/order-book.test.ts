import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonV1, tradingV1 } from '@tapeline/contracts';
import {
  AmendStatus,
  CancelReason,
  ExecutionLog,
  OrderBook,
  OrderBookError,
  SelfTradePrevention,
  SubmitStatus,
} from './index';

const BUY = commonV1.Side.SIDE_BUY;
const SELL = commonV1.Side.SIDE_SELL;
const { TIME_IN_FORCE_DAY: DAY, TIME_IN_FORCE_GTC: GTC, TIME_IN_FORCE_IOC: IOC } = tradingV1.TimeInForce;
const { TIME_IN_FORCE_FOK: FOK, TIME_IN_FORCE_GTD: GTD } = tradingV1.TimeInForce;

function setup(selfTradePrevention = SelfTradePrevention.None) {
  const log = new ExecutionLog();
  const book = new OrderBook({ sink: log, selfTradePrevention });
  return { log, book };
}

/** [makerId, price, qty] of each fill, in order. */
const fillsOf = (log: ExecutionLog) => log.fills.map((f) => [f.makerId, f.price, f.qty]);

test('fills resting orders at the same price in arrival order (time priority)', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 100, 5, GTC);
  book.limit(2, SELL, 100, 5, GTC);
  book.limit(3, SELL, 100, 5, GTC);
  const r = book.limit(10, BUY, 100, 7, GTC);
  assert.equal(r.status, SubmitStatus.Filled);
  assert.equal(r.filledQty, 7);
  assert.deepEqual(fillsOf(log), [
    [1, 100, 5],
    [2, 100, 2],
  ]);
  assert.equal(log.fills[1]!.makerLeaves, 3);
  assert.equal(log.fills[1]!.takerLeaves, 0);
  assert.deepEqual(book.queueAt(SELL, 100), [2, 3]);
  assert.deepEqual(book.depth(SELL), [{ price: 100, qty: 8, count: 2 }]);
});

test('fills the better price first and prints at the resting price', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 102, 5, GTC);
  book.limit(2, SELL, 101, 5, GTC);
  book.limit(3, SELL, 103, 5, GTC);
  book.limit(10, BUY, 102, 8, GTC);
  assert.deepEqual(fillsOf(log), [
    [2, 101, 5],
    [1, 102, 3],
  ]);
  assert.equal(log.fills[0]!.takerId, 10);
  assert.equal(log.fills[0]!.takerSide, BUY);
  assert.deepEqual(
    log.fills.map((f) => f.matchId),
    [1, 2],
  );
  assert.equal(book.bestAsk(), 102);
  assert.equal(book.bestBid(), undefined);
});

test('rests the unfilled part of a partially filled limit order', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 100, 4, GTC);
  const r = book.limit(10, BUY, 101, 10, DAY);
  assert.equal(r.status, SubmitStatus.Rested);
  assert.equal(r.filledQty, 4);
  assert.equal(r.restingQty, 6);
  assert.deepEqual(fillsOf(log), [[1, 100, 4]]);
  assert.equal(book.bestBid(), 101);
  assert.equal(book.order(10)?.leavesQty, 6);
  assert.equal(book.bestAsk(), undefined);
});

test('cancels the remainder of an IOC order and never rests it', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 100, 3, GTC);
  book.limit(2, SELL, 105, 3, GTC);
  const r = book.limit(10, BUY, 101, 10, IOC);
  assert.equal(r.status, SubmitStatus.Canceled);
  assert.equal(r.filledQty, 3);
  assert.equal(r.canceledQty, 7);
  assert.equal(r.cancelReason, CancelReason.ImmediateOrCancel);
  assert.deepEqual(log.cancels, [
    { orderId: 10, owner: 0, side: BUY, price: 101, canceledQty: 7, reason: CancelReason.ImmediateOrCancel },
  ]);
  assert.equal(book.order(10), undefined);
  assert.equal(book.bestBid(), undefined);
});

test('kills a FOK order that cannot fill completely without touching the book', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 100, 3, GTC);
  book.limit(2, SELL, 101, 3, GTC);
  book.limit(3, SELL, 103, 10, GTC);
  const r = book.limit(10, BUY, 101, 7, FOK);
  assert.equal(r.status, SubmitStatus.Killed);
  assert.equal(r.filledQty, 0);
  assert.equal(r.canceledQty, 7);
  assert.equal(log.fills.length, 0);
  assert.equal(log.cancels[0]!.reason, CancelReason.FillOrKill);
  assert.deepEqual(book.depth(SELL), [
    { price: 100, qty: 3, count: 1 },
    { price: 101, qty: 3, count: 1 },
    { price: 103, qty: 10, count: 1 },
  ]);
});

test('fills a FOK order completely across levels when enough crosses', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 100, 3, GTC);
  book.limit(2, SELL, 101, 3, GTC);
  const r = book.limit(10, BUY, 101, 6, FOK);
  assert.equal(r.status, SubmitStatus.Filled);
  assert.deepEqual(fillsOf(log), [
    [1, 100, 3],
    [2, 101, 3],
  ]);
  assert.equal(book.orderCount, 0);
});

test('sweeps several levels with a market order and cancels what the book cannot fill', () => {
  const { log, book } = setup();
  book.limit(1, BUY, 99, 2, GTC);
  book.limit(2, BUY, 98, 3, GTC);
  book.limit(3, BUY, 97, 4, GTC);
  const r = book.market(10, SELL, 6);
  assert.equal(r.status, SubmitStatus.Filled);
  assert.deepEqual(fillsOf(log), [
    [1, 99, 2],
    [2, 98, 3],
    [3, 97, 1],
  ]);
  assert.deepEqual(book.depth(BUY), [{ price: 97, qty: 3, count: 1 }]);

  log.clear();
  const rest = book.market(11, SELL, 10, DAY);
  assert.equal(rest.status, SubmitStatus.Canceled);
  assert.equal(rest.filledQty, 3);
  assert.equal(rest.canceledQty, 7);
  assert.equal(book.orderCount, 0);
});

test('kills a FOK market order when the whole side holds too little', () => {
  const { book } = setup();
  book.limit(1, BUY, 99, 2, GTC);
  assert.equal(book.market(10, SELL, 3, FOK).status, SubmitStatus.Killed);
  assert.equal(book.order(1)?.leavesQty, 2);
});

test('cancels a resting order and reports nothing to cancel once it has gone', () => {
  const { log, book } = setup();
  book.limit(1, BUY, 99, 5, GTC);
  book.limit(2, BUY, 99, 6, GTC);
  assert.equal(book.cancel(1), 5);
  assert.deepEqual(log.cancels[0], {
    orderId: 1,
    owner: 0,
    side: BUY,
    price: 99,
    canceledQty: 5,
    reason: CancelReason.Requested,
  });
  assert.equal(book.cancel(1), 0);
  assert.equal(book.cancel(12345), 0);
  assert.deepEqual(book.depth(BUY), [{ price: 99, qty: 6, count: 1 }]);
  assert.equal(book.cancel(2), 6);
  assert.equal(book.bestBid(), undefined);
});

test('keeps time priority when an amend only reduces quantity', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 100, 5, GTC);
  book.limit(2, SELL, 100, 5, GTC);
  assert.equal(book.amend(1, 100, 2), AmendStatus.KeptPriority);
  assert.deepEqual(book.queueAt(SELL, 100), [1, 2]);
  assert.deepEqual(book.depth(SELL), [{ price: 100, qty: 7, count: 2 }]);
  book.limit(10, BUY, 100, 3, IOC);
  assert.deepEqual(fillsOf(log), [
    [1, 100, 2],
    [2, 100, 1],
  ]);
});

test('loses time priority when an amend increases quantity', () => {
  const { book } = setup();
  book.limit(1, SELL, 100, 5, GTC);
  book.limit(2, SELL, 100, 5, GTC);
  assert.equal(book.amend(1, 100, 8), AmendStatus.LostPriority);
  assert.deepEqual(book.queueAt(SELL, 100), [2, 1]);
  assert.deepEqual(book.depth(SELL), [{ price: 100, qty: 13, count: 2 }]);
});

test('loses time priority on a price amend and trades at once when the new price crosses', () => {
  const { log, book } = setup();
  book.limit(1, SELL, 101, 5, GTC);
  book.limit(2, SELL, 100, 5, GTC);
  book.limit(3, BUY, 98, 4, GTC);
  // Re-pricing order 2 to 101 puts it behind order 1.
  assert.equal(book.amend(2, 101, 5), AmendStatus.LostPriority);
  assert.deepEqual(book.queueAt(SELL, 101), [1, 2]);
  // Re-pricing the bid through the offer makes it an aggressor.
  assert.equal(book.amend(3, 101, 7), AmendStatus.LostPriority);
  assert.deepEqual(fillsOf(log), [
    [1, 101, 5],
    [2, 101, 2],
  ]);
  assert.equal(log.fills[0]!.takerId, 3);
  assert.equal(book.order(3), undefined);
  assert.equal(book.order(2)?.leavesQty, 3);
  assert.equal(book.amend(99, 100, 1), AmendStatus.UnknownOrder);
});

test('self-trade prevention cancels the resting order of the same owner and keeps matching', () => {
  const { log, book } = setup(SelfTradePrevention.CancelResting);
  book.limit(1, SELL, 100, 5, GTC, 7);
  book.limit(2, SELL, 100, 5, GTC, 8);
  const r = book.limit(10, BUY, 100, 6, GTC, 7);
  assert.equal(r.filledQty, 5);
  assert.equal(r.restingQty, 1);
  assert.deepEqual(fillsOf(log), [[2, 100, 5]]);
  assert.equal(log.cancels[0]!.orderId, 1);
  assert.equal(log.cancels[0]!.reason, CancelReason.SelfTradePrevention);
  assert.equal(book.bestBid(), 100);
  assert.equal(book.bestAsk(), undefined);
});

test('self-trade prevention cancels the incoming order and leaves the resting one', () => {
  const { log, book } = setup(SelfTradePrevention.CancelIncoming);
  book.limit(1, SELL, 99, 2, GTC, 8);
  book.limit(2, SELL, 100, 5, GTC, 7);
  const r = book.limit(10, BUY, 100, 6, GTC, 7);
  assert.equal(r.status, SubmitStatus.Canceled);
  assert.equal(r.filledQty, 2);
  assert.equal(r.canceledQty, 4);
  assert.equal(r.cancelReason, CancelReason.SelfTradePrevention);
  assert.equal(book.order(2)?.leavesQty, 5);
  // FOK pre-check sees that its own order blocks a complete fill.
  log.clear();
  assert.equal(book.limit(11, BUY, 100, 5, FOK, 7).status, SubmitStatus.Killed);
  assert.equal(log.fills.length, 0);
});

test('self-trade prevention can cancel both sides', () => {
  const { log, book } = setup(SelfTradePrevention.CancelBoth);
  book.limit(1, SELL, 100, 5, GTC, 7);
  const r = book.limit(10, BUY, 100, 6, GTC, 7);
  assert.equal(r.status, SubmitStatus.Canceled);
  assert.deepEqual(
    log.cancels.map((c) => [c.orderId, c.canceledQty]),
    [
      [1, 5],
      [10, 6],
    ],
  );
  assert.equal(book.orderCount, 0);
});

test('expires GTD orders at their expiry time and DAY orders at the end of the day', () => {
  const { log, book } = setup();
  book.limit(1, BUY, 99, 1, GTD, 0, 1_000);
  book.limit(2, BUY, 98, 1, GTD, 0, 2_000);
  book.limit(3, BUY, 97, 1, DAY);
  book.limit(4, BUY, 96, 1, GTC);
  assert.equal(book.expire(999), 0);
  assert.equal(book.expire(1_000), 1);
  assert.equal(book.order(1), undefined);
  assert.equal(log.cancels[0]!.reason, CancelReason.Expired);
  assert.equal(book.endOfDay(), 1);
  assert.equal(log.cancels[1]!.orderId, 3);
  assert.equal(log.cancels[1]!.reason, CancelReason.EndOfDay);
  assert.deepEqual(
    book.depth(BUY).map((l) => l.price),
    [98, 96],
  );
  assert.throws(() => book.limit(5, BUY, 99, 1, GTD), /expireAtMicros/);
});

test('seeds a book from a snapshot of levels and refuses a crossed snapshot', () => {
  const { log, book } = setup();
  const added = book.seed(
    {
      bids: [
        { price: 99, qty: 10 },
        { price: 98, qty: 20 },
      ],
      asks: [{ price: 101, qty: 15 }],
    },
    42,
  );
  assert.equal(added, 3);
  assert.equal(book.bestBid(), 99);
  assert.equal(book.bestAsk(), 101);
  book.market(1, SELL, 12);
  assert.deepEqual(
    log.fills.map((f) => [f.makerOwner, f.price, f.qty]),
    [
      [42, 99, 10],
      [42, 98, 2],
    ],
  );
  assert.ok(log.fills.every((f) => f.makerId < 0));
  assert.throws(
    () => book.seed({ bids: [{ price: 101, qty: 1 }], asks: [] }),
    (e: unknown) => e instanceof OrderBookError && e.code === 'CROSSED_SNAPSHOT',
  );
  assert.equal(book.cancelOwner(42), 2);
  assert.equal(book.orderCount, 0);
});

test('refuses unsafe integers, non-positive quantities and duplicate resting ids with typed errors', () => {
  const { book } = setup();
  const code = (c: string) => (e: unknown) => e instanceof OrderBookError && e.code === c;
  assert.throws(() => book.limit(1, BUY, 100.5, 1, GTC), code('INVALID_ARGUMENT'));
  assert.throws(() => book.limit(1, BUY, 100, 2 ** 53, GTC), code('INVALID_ARGUMENT'));
  assert.throws(() => book.limit(1, BUY, 100, 0, GTC), code('INVALID_ARGUMENT'));
  assert.throws(() => book.limit(1, 0, 100, 1, GTC), code('INVALID_ARGUMENT'));
  assert.throws(() => book.limit(1, BUY, 100, 1, 0), code('INVALID_ARGUMENT'));
  book.limit(1, BUY, 100, 1, GTC);
  assert.throws(() => book.limit(1, BUY, 100, 1, GTC), code('DUPLICATE_ORDER_ID'));
  assert.throws(() => book.amend(1, 100, 0), code('INVALID_ARGUMENT'));
});

test('accepts the object form with contract enums', () => {
  const { log, book } = setup();
  book.submit({
    id: 1,
    side: SELL,
    ordType: tradingV1.OrdType.ORD_TYPE_LIMIT,
    price: 100,
    qty: 3,
    timeInForce: GTC,
  });
  const r = book.submit({
    id: 2,
    side: BUY,
    ordType: tradingV1.OrdType.ORD_TYPE_MARKET,
    qty: 2,
    timeInForce: DAY,
  });
  assert.equal(r.status, SubmitStatus.Filled);
  assert.deepEqual(fillsOf(log), [[1, 100, 2]]);
});

test('keeps price levels sorted through inserts and removals away from the touch', () => {
  const { book } = setup();
  for (const [id, price] of [
    [1, 95],
    [2, 99],
    [3, 97],
    [4, 90],
    [5, 98],
  ] as const) {
    book.limit(id, BUY, price, 1, GTC);
  }
  book.cancel(3);
  book.cancel(4);
  book.limit(6, BUY, 96, 1, GTC);
  assert.deepEqual(
    book.depth(BUY).map((l) => l.price),
    [99, 98, 96, 95],
  );
  assert.deepEqual(book.depth(BUY, 2).length, 2);
});

/** The plainest possible price-time book: a list scanned for the best order at every step. */
class ReferenceBook {
  private resting: { id: number; side: number; price: number; qty: number; seq: number }[] = [];
  private seq = 0;
  readonly fills: number[][] = [];

  limit(id: number, side: number, price: number, qty: number, rest: boolean): void {
    let left = qty;
    for (;;) {
      const crossing = this.resting.filter(
        (o) => o.side !== side && (side === BUY ? o.price <= price : o.price >= price),
      );
      if (left === 0 || crossing.length === 0) break;
      crossing.sort((a, b) => (side === BUY ? a.price - b.price : b.price - a.price) || a.seq - b.seq);
      const maker = crossing[0]!;
      const q = Math.min(left, maker.qty);
      maker.qty -= q;
      left -= q;
      this.fills.push([id, maker.id, maker.price, q]);
      if (maker.qty === 0) this.resting = this.resting.filter((o) => o !== maker);
    }
    if (left > 0 && rest) this.resting.push({ id, side, price, qty: left, seq: this.seq++ });
  }

  cancel(id: number): void {
    this.resting = this.resting.filter((o) => o.id !== id);
  }

  levels(side: number): number[][] {
    const bySide = this.resting.filter((o) => o.side === side);
    const prices = [...new Set(bySide.map((o) => o.price))].sort((a, b) => (side === BUY ? b - a : a - b));
    return prices.map((p) => [p, bySide.filter((o) => o.price === p).reduce((s, o) => s + o.qty, 0)]);
  }
}

test('matches a random order stream exactly like a naive price-time reference book', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const { log, book } = setup();
  const ref = new ReferenceBook();
  for (let id = 1; id <= 3000; id++) {
    const op = rand(10);
    if (op < 2 && id > 1) {
      const target = 1 + rand(id - 1);
      book.cancel(target);
      ref.cancel(target);
      continue;
    }
    const side = rand(2) === 0 ? BUY : SELL;
    const price = 100 + rand(21) - 10;
    const qty = 1 + rand(20);
    const ioc = op === 9;
    book.limit(id, side, price, qty, ioc ? IOC : GTC);
    ref.limit(id, side, price, qty, !ioc);
  }
  assert.ok(ref.fills.length > 500);
  assert.deepEqual(
    log.fills.map((f) => [f.takerId, f.makerId, f.price, f.qty]),
    ref.fills,
  );
  for (const side of [BUY, SELL]) {
    assert.deepEqual(
      book.depth(side).map((l) => [l.price, l.qty]),
      ref.levels(side),
    );
  }
});
