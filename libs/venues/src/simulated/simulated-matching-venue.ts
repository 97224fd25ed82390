// The built-in simulated matching venue: one price-time priority OrderBook (libs/order-book) per
// instrument behind the Venue port. The oms's orders trade against each other and against
// liquidity seeded from the simulated market; seeded orders belong to no oms order, so a fill
// against them reports the oms side only.
//
// Determinism: book order ids, owner ids and ExecIDs come from counters advanced only by commands
// (see commands.ts), and every event carries the command's time, never a clock read during
// matching. A fresh venue fed the same commands in the same order (`replay`) rebuilds the same
// books and returns the same events. ExecID = `<venue>-<matchId>-<orderId>`: the match id is the
// book's trade sequence, unique with the order id because an order lives on one book.
//
// Answers, in the order the oms state machine expects them:
// - submit: Reject (bad order), or Ack then its fills, then VenueCancel for an IOC/market
//   remainder or a FOK that could not fill completely.
// - cancel: CancelAck, or CancelReject when the order is unknown or already done.
// - replace: ReplaceAck, then the fills if the new price crosses; or ReplaceReject. Priority per
//   libs/order-book: same price and a quantity not above the open quantity keeps the place in the
//   queue; a price change or a quantity increase goes to the back of the new price's queue.
// - expire(now): Expire for GTD orders at or past ExpireTime; endOfDay(): Expire for DAY orders.
// - cancelAll(filter, reason): VenueCancel for each matching open order (kill switch, mass cancel).
// Stops are held by the oms until triggered: an untriggered STOP/STOP_LIMIT is rejected, a
// triggered one trades as MARKET/LIMIT.
import { commonV1, tradingV1 } from '@tapeline/contracts';
import {
  type BookSnapshot,
  CancelReason,
  type CancelReport,
  type ExecutionSink,
  type Fill,
  OrderBook,
  SelfTradePrevention,
} from '@tapeline/order-book';
import {
  divRoundHalfAwayFromZero,
  type FillEvent,
  isTerminal,
  type Order,
  type OrderUpdateEvent,
} from '@tapeline/orders';
import { describeError, toSafeNumber, VenueError } from '../errors';
import type { ReplaceInstruction, Venue, VenueOrder, VenueSink } from '../venue';
import type { CancelAllFilter, SimulatedVenueCommand } from './commands';

const { ORD_TYPE_MARKET: MARKET, ORD_TYPE_LIMIT: LIMIT } = tradingV1.OrdType;
const { ORD_TYPE_STOP: STOP, ORD_TYPE_STOP_LIMIT: STOP_LIMIT } = tradingV1.OrdType;
const { TIME_IN_FORCE_GTD: GTD } = tradingV1.TimeInForce;
const ENDED_AS: Partial<Record<OrderUpdateEvent['type'], string>> = {
  Reject: 'Rejected',
  CancelAck: 'Canceled',
  VenueCancel: 'Canceled',
  Expire: 'Expired',
};

export interface SimulatedVenueOptions {
  /** Venue name, the prefix of every ExecID. Default "SIM". */
  readonly name?: string;
  /** UTC microseconds since the epoch; stamps the commands of submit/cancel/replace/seed/expire. */
  readonly clock?: () => bigint;
  /** By account: an oms account never trades with itself when set. Default none. */
  readonly selfTradePrevention?: SelfTradePrevention;
  /**
   * Called with every command before it is applied (write-ahead): journal these and pass them to
   * `replay` after a crash. Not called during `replay`.
   */
  readonly onCommand?: (command: SimulatedVenueCommand) => void;
}

/** One resting order of a book, for queries and tests. Seeded liquidity has orderId null. */
export interface RestingOrderState {
  readonly orderId: string | null;
  readonly side: commonV1.Side;
  readonly price: number;
  readonly leavesQty: number;
}

/** What the venue knows of one oms order. */
class SimOrder {
  clOrdId: string;
  price: number;
  orderQty: bigint;
  cumQty = 0n;
  /** Sum of LastQty x LastPx of its fills (for requestStatus). */
  notional = 0n;
  /** The event that ended it (null while it works, or after a full fill). */
  ended: OrderUpdateEvent | null = null;
  done = false;
  /** The answer to the latest cancel/replace request (one is in flight at a time) and its ClOrdID. */
  answer: OrderUpdateEvent | null = null;
  answerTo = '';

  constructor(
    readonly orderId: string,
    readonly bookId: number,
    readonly owner: number,
    readonly accountId: string,
    readonly desk: string,
    readonly instrumentId: string,
    clOrdId: string,
    price: number,
    orderQty: bigint,
  ) {
    this.clOrdId = clOrdId;
    this.price = price;
    this.orderQty = orderQty;
  }
}

/** What every command applied without error answers: one settled promise, not one per command. */
const DONE: Promise<void> = Promise.resolve();

/** How a `Requested` cancel report of the book reads in the current command. */
type CancelMeaning = 'cancelAck' | 'venueCancel' | 'silent';

export class SimulatedMatchingVenue implements Venue {
  readonly name: string;
  /** No session to lose: the simulated venue lives in the oms process. */
  readonly cancelOnDisconnect = false;
  private readonly clock: () => bigint;
  private readonly stp: SelfTradePrevention;
  private readonly onCommand: ((command: SimulatedVenueCommand) => void) | undefined;
  private readonly books = new Map<string, OrderBook>();
  private readonly orders = new Map<string, SimOrder>();
  /** Orders on a book, by book id. */
  private readonly working = new Map<number, SimOrder>();
  private readonly owners = new Map<string, number>();
  private nextBookId = 0;
  private sink: VenueSink | null = null;
  /** Events of the command being applied go here when muted (replay), else to the sink. */
  private captured: OrderUpdateEvent[] | null = null;
  private at = 0n;
  private cancelMeaning: CancelMeaning = 'cancelAck';
  private cancelText = '';
  private cancelAnswerTo = '';

  constructor(options: SimulatedVenueOptions = {}) {
    this.name = options.name ?? 'SIM';
    this.clock = options.clock ?? (() => BigInt(Date.now()) * 1000n);
    this.stp = options.selfTradePrevention ?? SelfTradePrevention.None;
    this.onCommand = options.onCommand;
  }

  start(sink: VenueSink): Promise<void> {
    this.sink = sink;
    sink.onSessionState(this.name, 'connected');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    const sink = this.sink;
    this.sink = null;
    sink?.onSessionState(this.name, 'disconnected', 'venue stopped');
    return Promise.resolve();
  }

  submit(order: VenueOrder): Promise<void> {
    return this.run({ kind: 'submit', atMicros: this.clock(), order });
  }

  cancel(order: VenueOrder, cancelClOrdId: string): Promise<void> {
    return this.run({ kind: 'cancel', atMicros: this.clock(), order, cancelClOrdId });
  }

  replace(order: VenueOrder, replace: ReplaceInstruction): Promise<void> {
    return this.run({ kind: 'replace', atMicros: this.clock(), order, replace });
  }

  /** GTD expiry: Expire for every GTD order whose ExpireTime is at or before `nowMicros`. */
  expire(nowMicros: bigint = this.clock()): Promise<void> {
    return this.run({ kind: 'expire', atMicros: nowMicros });
  }

  /** End of the trading session: Expire for every resting DAY order. */
  endOfDay(atMicros: bigint = this.clock()): Promise<void> {
    return this.run({ kind: 'endOfDay', atMicros });
  }

  /**
   * Seeds an instrument's book with the simulated market's levels (mantissas at the instrument's
   * scales), one resting GTC order per level owned by nobody. Refuses a snapshot that crosses.
   */
  seedBook(instrumentId: string, snapshot: BookSnapshot): Promise<void> {
    return this.run({ kind: 'seed', atMicros: this.clock(), instrumentId, snapshot });
  }

  /**
   * Replaces the seeded liquidity of an instrument's book with a newer snapshot of the market:
   * the previous seed leaves (silently: it belongs to no oms order), then the levels are seeded
   * except those that would cross the oms's own resting orders. Refuses a snapshot crossing itself.
   */
  refreshBook(instrumentId: string, snapshot: BookSnapshot): Promise<void> {
    return this.run({ kind: 'seed', atMicros: this.clock(), instrumentId, snapshot, replace: true });
  }

  /**
   * Kill switch / mass cancel: every open order matching the filter leaves the book with a
   * VenueCancel carrying `reason`. The oms may instead send one cancel per order; this is one
   * command (one journal entry) and cannot race with fills.
   */
  cancelAll(filter: CancelAllFilter, reason: string): Promise<void> {
    return this.run({ kind: 'cancelAll', atMicros: this.clock(), filter, reason });
  }

  /**
   * Answers with what the oms's view of the order misses, in the order the state machine takes
   * it: the Ack; the answer to its pending cancel/replace (unless that answer ended the order);
   * one Fill for the CumQty it lacks (LastPx from the venue's filled notional, ExecID
   * `<venue>-status-<orderId>-<CumQty>`: the venue keeps totals, not each fill, as a FIX venue's
   * status does); then the event that ended the order if the oms still has it open. After a crash,
   * `replay` gives the exact events; this is the cheap check for a live oms.
   */
  requestStatus(venueOrder: VenueOrder): Promise<void> {
    const order = venueOrder.order;
    const sim = this.orders.get(order.orderId);
    const at = this.clock();
    const base = { orderId: order.orderId, atMicros: at };
    if (sim === undefined) {
      const text = `order ${order.orderId} is unknown to ${this.name}`;
      this.sink?.onEvent(
        order.acknowledged ? { ...base, type: 'VenueCancel', text } : { ...base, type: 'Reject', text },
      );
      return Promise.resolve();
    }
    const missed: OrderUpdateEvent[] = [];
    const rejected = sim.ended?.type === 'Reject';
    if (!order.acknowledged && !rejected) missed.push({ ...base, type: 'Ack' });
    const answered = order.pending !== null && sim.answer !== null && sim.answerTo === order.pending.clOrdId;
    if (answered && sim.answer !== sim.ended) missed.push(sim.answer!);
    if (sim.cumQty > order.cumQty) {
      const lastQty = sim.cumQty - order.cumQty;
      missed.push({
        ...base,
        type: 'Fill',
        execId: `${this.name}-status-${order.orderId}-${sim.cumQty}`,
        lastQty,
        lastPx: divRoundHalfAwayFromZero(sim.notional - order.filledNotional, lastQty),
      });
    }
    if (sim.ended !== null && !isTerminal(order.status)) missed.push(sim.ended);
    for (const e of missed) this.sink?.onEvent(e);
    return Promise.resolve();
  }

  /**
   * Applies journaled commands to this (fresh) venue with the sink muted and returns the events
   * they produce, in order: the same events, ExecIDs included, as the original run.
   */
  replay(commands: Iterable<SimulatedVenueCommand>): OrderUpdateEvent[] {
    const events: OrderUpdateEvent[] = [];
    this.captured = events;
    try {
      for (const command of commands) this.apply(command);
    } finally {
      this.captured = null;
    }
    return events;
  }

  /** Applies one command with its own time (the port methods stamp theirs with the clock). */
  apply(command: SimulatedVenueCommand): void {
    this.at = command.atMicros;
    switch (command.kind) {
      case 'submit':
        return this.applySubmit(command.order.order);
      case 'cancel':
        return this.applyCancel(command.order.order.orderId, command.cancelClOrdId);
      case 'replace':
        return this.applyReplace(command.order.order.orderId, command.replace);
      case 'expire': {
        const now = toSafeNumber('expire time', command.atMicros);
        for (const book of this.books.values()) book.expire(now);
        return;
      }
      case 'endOfDay':
        for (const book of this.books.values()) book.endOfDay();
        return;
      case 'seed':
        if (command.replace === true) return this.applyRefresh(command.instrumentId, command.snapshot);
        this.book(command.instrumentId).seed(command.snapshot);
        return;
      case 'cancelAll':
        return this.applyCancelAll(command.filter, command.reason);
      default:
        throw new VenueError('INVALID_COMMAND', `unknown command ${JSON.stringify(command)}`);
    }
  }

  /** The resting orders of an instrument, bids then asks, each side best price first, in queue order. */
  restingOrders(instrumentId: string): RestingOrderState[] {
    const book = this.books.get(instrumentId);
    if (book === undefined) return [];
    const out: RestingOrderState[] = [];
    for (const side of [commonV1.Side.SIDE_BUY, commonV1.Side.SIDE_SELL]) {
      for (const level of book.depth(side)) {
        for (const id of book.queueAt(side, level.price)) {
          const view = book.order(id)!;
          out.push({
            orderId: this.working.get(id)?.orderId ?? null,
            side,
            price: view.price,
            leavesQty: view.leavesQty,
          });
        }
      }
    }
    return out;
  }

  /** The book of an instrument, for queries (best bid/ask, depth); do not trade on it directly. */
  bookOf(instrumentId: string): OrderBook | undefined {
    return this.books.get(instrumentId);
  }

  /** The books report here, synchronously, inside a command. */
  private readonly reports: ExecutionSink = {
    onFill: (fill) => this.onBookFill(fill),
    onCancel: (report) => this.onBookCancel(report),
  };

  private onBookFill(fill: Readonly<Fill>): void {
    const taker = this.working.get(fill.takerId);
    if (taker !== undefined) this.fillOf(taker, fill, fill.takerLeaves);
    const maker = this.working.get(fill.makerId);
    if (maker !== undefined) {
      this.fillOf(maker, fill, fill.makerLeaves);
      if (fill.makerLeaves === 0) this.working.delete(fill.makerId);
    }
  }

  private onBookCancel(report: Readonly<CancelReport>): void {
    const sim = this.working.get(report.orderId);
    if (sim === undefined) return; // seeded liquidity
    this.working.delete(report.orderId);
    sim.done = true;
    // Events are written out field by field (same key order as a spread of a base): a spread gives
    // every event its own hidden class once the code is optimised (measured), and they are retained.
    const orderId = sim.orderId;
    const atMicros = this.at;
    let event: OrderUpdateEvent;
    switch (report.reason) {
      case CancelReason.Requested:
        if (this.cancelMeaning === 'silent') return;
        event =
          this.cancelMeaning === 'cancelAck'
            ? { orderId, atMicros, type: 'CancelAck' }
            : { orderId, atMicros, type: 'VenueCancel', text: this.cancelText };
        if (event.type === 'CancelAck') {
          sim.answer = event;
          sim.answerTo = this.cancelAnswerTo;
        }
        break;
      case CancelReason.ImmediateOrCancel:
        event = {
          orderId,
          atMicros,
          type: 'VenueCancel',
          text: `unfilled remainder of ${report.canceledQty} cancelled (IOC or market order)`,
        };
        break;
      case CancelReason.FillOrKill:
        event = { orderId, atMicros, type: 'VenueCancel', text: 'FOK order could not be filled completely' };
        break;
      case CancelReason.SelfTradePrevention:
        event = { orderId, atMicros, type: 'VenueCancel', text: 'self-trade prevention' };
        break;
      case CancelReason.Expired:
      case CancelReason.EndOfDay:
        event = { orderId, atMicros, type: 'Expire' };
        break;
    }
    sim.ended = event;
    this.emit(event);
  }

  private run(command: SimulatedVenueCommand): Promise<void> {
    if (this.sink === null) {
      return Promise.reject(new VenueError('NOT_STARTED', `${this.name} is not started`));
    }
    try {
      this.check(command);
      this.onCommand?.(command);
      this.apply(command);
      return DONE;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(describeError(err)));
    }
  }

  /** Refusals that must keep a command out of the journal: programming errors, not venue answers. */
  private check(command: SimulatedVenueCommand): void {
    if (command.kind === 'submit' && this.orders.has(command.order.order.orderId)) {
      throw new VenueError('DUPLICATE_ORDER', `order ${command.order.order.orderId} was already submitted`);
    }
    if (command.kind === 'expire') toSafeNumber('expire time', command.atMicros);
    if (command.kind === 'seed') {
      // A refresh trims itself against the oms's orders (applyRefresh); only its own levels must not cross.
      const book = command.replace === true ? undefined : this.books.get(command.instrumentId);
      let bid = book?.bestBid() ?? -Infinity;
      let ask = book?.bestAsk() ?? Infinity;
      for (const [levels, isBid] of [
        [command.snapshot.bids, true],
        [command.snapshot.asks, false],
      ] as const) {
        for (const { price, qty } of levels) {
          if (!Number.isSafeInteger(price) || !Number.isSafeInteger(qty) || qty <= 0) {
            throw new VenueError(
              'INVALID_COMMAND',
              `seed level ${price} x ${qty} is not a safe price and positive quantity`,
            );
          }
          if (isBid) bid = Math.max(bid, price);
          else ask = Math.min(ask, price);
        }
      }
      if (bid >= ask) {
        throw new VenueError(
          'INVALID_COMMAND',
          `seed of ${command.instrumentId} crosses: best bid ${bid} >= best ask ${ask}`,
        );
      }
    }
  }

  private applySubmit(order: Order): void {
    let terms: BookTerms;
    try {
      terms = bookTerms(order, this.at);
    } catch (err) {
      const sim = this.track(order, 0, 0);
      sim.done = true;
      const event: OrderUpdateEvent = {
        type: 'Reject',
        orderId: order.orderId,
        atMicros: this.at,
        text: describeError(err),
      };
      sim.ended = event;
      this.emit(event);
      return;
    }
    const bookId = ++this.nextBookId;
    const sim = this.track(order, bookId, terms.price);
    this.working.set(bookId, sim);
    this.emit({ type: 'Ack', orderId: order.orderId, atMicros: this.at });
    const book = this.book(order.instrumentId);
    if (terms.market) book.market(bookId, order.side, terms.qty, order.timeInForce, sim.owner);
    else {
      const { price, qty, expireAtMicros } = terms;
      book.limit(bookId, order.side, price, qty, order.timeInForce, sim.owner, expireAtMicros);
    }
    // Filled as it arrived: it never rested (cancelled remainders left `working` in onCancel).
    if (!book.has(bookId)) this.working.delete(bookId);
  }

  private applyCancel(orderId: string, cancelClOrdId: string): void {
    const sim = this.orders.get(orderId);
    const refusal = this.refusal(sim, orderId, 'cancel');
    if (refusal !== null || sim === undefined) {
      this.answer(sim, orderId, cancelClOrdId, 'CancelReject', refusal ?? '');
      return;
    }
    this.cancelMeaning = 'cancelAck';
    this.cancelAnswerTo = cancelClOrdId;
    this.books.get(sim.instrumentId)!.cancel(sim.bookId);
    sim.clOrdId = cancelClOrdId;
  }

  private applyReplace(orderId: string, replace: ReplaceInstruction): void {
    const sim = this.orders.get(orderId);
    let refusal = this.refusal(sim, orderId, 'replace');
    let price = 0;
    let leaves = 0n;
    if (refusal === null && sim !== undefined) {
      leaves = replace.orderQty - sim.cumQty;
      try {
        price = replace.price === undefined ? sim.price : toSafeNumber('price', replace.price);
        if (leaves < 0n) refusal = `new OrderQty ${replace.orderQty} is below CumQty ${sim.cumQty}`;
        else toSafeNumber('orderQty', replace.orderQty);
      } catch (err) {
        refusal = describeError(err);
      }
    }
    if (refusal !== null || sim === undefined) {
      this.answer(sim, orderId, replace.clOrdId, 'ReplaceReject', refusal ?? '');
      return;
    }
    this.answer(sim, orderId, replace.clOrdId, 'ReplaceAck', '');
    sim.clOrdId = replace.clOrdId;
    sim.orderQty = replace.orderQty;
    sim.price = price;
    const book = this.books.get(sim.instrumentId)!;
    if (leaves === 0n) {
      // Replaced down to what has already traded: nothing is left open.
      this.cancelMeaning = 'silent';
      book.cancel(sim.bookId);
      this.cancelMeaning = 'cancelAck';
      return;
    }
    book.amend(sim.bookId, price, Number(leaves));
    if (!book.has(sim.bookId)) this.working.delete(sim.bookId);
  }

  private applyCancelAll(filter: CancelAllFilter, reason: string): void {
    const doomed: SimOrder[] = [];
    for (const sim of this.working.values()) {
      if (filter.accountId !== undefined && sim.accountId !== filter.accountId) continue;
      if (filter.desk !== undefined && sim.desk !== filter.desk) continue;
      if (filter.instrumentId !== undefined && sim.instrumentId !== filter.instrumentId) continue;
      doomed.push(sim);
    }
    this.cancelMeaning = 'venueCancel';
    this.cancelText = reason;
    try {
      for (const sim of doomed) this.books.get(sim.instrumentId)!.cancel(sim.bookId);
    } finally {
      this.cancelMeaning = 'cancelAck';
    }
  }

  private applyRefresh(instrumentId: string, snapshot: BookSnapshot): void {
    const book = this.book(instrumentId);
    // Seeded orders have owner 0 (oms accounts count from 1); their cancels report nothing.
    book.cancelOwner(0);
    const bestBid = book.bestBid() ?? -Infinity;
    const bestAsk = book.bestAsk() ?? Infinity;
    book.seed({
      bids: snapshot.bids.filter((l) => l.price < bestAsk),
      asks: snapshot.asks.filter((l) => l.price > bestBid),
    });
  }

  /** Why a cancel or replace cannot be applied to this order now, or null. */
  private refusal(sim: SimOrder | undefined, orderId: string, what: string): string | null {
    if (sim === undefined) return `unknown order ${orderId}`;
    if (sim.done || !this.working.has(sim.bookId)) {
      return `too late to ${what}: order ${orderId} is ${sim.ended ? ENDED_AS[sim.ended.type] : 'Filled'}`;
    }
    return null;
  }

  private answer(
    sim: SimOrder | undefined,
    orderId: string,
    requestClOrdId: string,
    type: 'CancelReject' | 'ReplaceReject' | 'ReplaceAck',
    text: string,
  ): void {
    const atMicros = this.at;
    const event: OrderUpdateEvent =
      type === 'ReplaceAck' ? { orderId, atMicros, type } : { orderId, atMicros, type, text };
    if (sim === undefined) {
      this.emit(event);
      return;
    }
    sim.answer = event;
    sim.answerTo = requestClOrdId;
    this.emit(event);
  }

  private fillOf(sim: SimOrder, fill: Readonly<Fill>, leaves: number): void {
    const event: FillEvent = {
      type: 'Fill',
      orderId: sim.orderId,
      atMicros: this.at,
      execId: `${this.name}-${fill.matchId}-${sim.orderId}`,
      lastQty: BigInt(fill.qty),
      lastPx: BigInt(fill.price),
    };
    sim.cumQty += event.lastQty;
    sim.notional += event.lastQty * event.lastPx;
    if (leaves === 0) sim.done = true;
    this.emit(event);
  }

  private track(order: Order, bookId: number, price: number): SimOrder {
    let owner = this.owners.get(order.accountId);
    if (owner === undefined) {
      owner = this.owners.size + 1;
      this.owners.set(order.accountId, owner);
    }
    const sim = new SimOrder(
      order.orderId,
      bookId,
      owner,
      order.accountId,
      order.desk,
      order.instrumentId,
      order.clOrdId,
      price,
      order.orderQty,
    );
    this.orders.set(order.orderId, sim);
    return sim;
  }

  private book(instrumentId: string): OrderBook {
    let book = this.books.get(instrumentId);
    if (book === undefined) {
      book = new OrderBook({ sink: this.reports, selfTradePrevention: this.stp });
      this.books.set(instrumentId, book);
    }
    return book;
  }

  private emit(event: OrderUpdateEvent): void {
    if (this.captured !== null) this.captured.push(event);
    else this.sink?.onEvent(event);
  }
}

/** An order's terms as the book takes them (numbers, checked safe). */
interface BookTerms {
  readonly market: boolean;
  readonly price: number;
  readonly qty: number;
  readonly expireAtMicros: number;
}

/**
 * Validates an order for the book; throws (the venue answers Reject with the message) naming the
 * first thing wrong. Everything the book would refuse is refused here, before the Ack.
 */
function bookTerms(order: Order, atMicros: bigint): BookTerms {
  const { ordType, side, timeInForce } = order;
  if ((ordType === STOP || ordType === STOP_LIMIT) && !order.triggered) {
    throw new VenueError('INVALID_COMMAND', 'a stop order reaches the venue only once triggered');
  }
  const market = ordType === MARKET || ordType === STOP;
  if (!market && ordType !== LIMIT && ordType !== STOP_LIMIT) {
    throw new VenueError('INVALID_COMMAND', `order type ${ordType} is not supported`);
  }
  if (side !== commonV1.Side.SIDE_BUY && side !== commonV1.Side.SIDE_SELL) {
    throw new VenueError('INVALID_COMMAND', `side ${side} is not BUY or SELL`);
  }
  if (!(timeInForce >= 1 && timeInForce <= 5)) {
    throw new VenueError('INVALID_COMMAND', `time in force ${timeInForce} is not supported`);
  }
  const qty = toSafeNumber('orderQty', order.orderQty);
  if (qty <= 0) throw new VenueError('INVALID_COMMAND', `orderQty must be positive, got ${qty}`);
  const price = market ? 0 : toSafeNumber('price', order.price);
  let expireAtMicros = 0;
  if (timeInForce === GTD && !market) {
    expireAtMicros = toSafeNumber('expireTimeMicros', order.expireTimeMicros);
    if (order.expireTimeMicros <= atMicros) {
      throw new VenueError('INVALID_COMMAND', `ExpireTime ${order.expireTimeMicros} is not in the future`);
    }
  }
  return { market, price, qty, expireAtMicros };
}
