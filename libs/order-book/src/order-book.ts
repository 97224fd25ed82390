// Price-time priority matching for one instrument: the simulated venue's engine.
//
// Prices and quantities are integer mantissas at the instrument's price/size scale, carried as
// `number` on this hot path. Every public entry point checks Number.isSafeInteger, so arithmetic
// inside stays exact (sums of safe quantities are assumed to stay below 2^53).
//
// Rules:
// - Priority: better price first, then arrival order within a price (FIFO). Trades print at the
//   resting (maker) order's price.
// - Market orders sweep the opposite side with no price limit; what cannot fill is cancelled
//   (they never rest). Time in force DAY/GTC/GTD on a market order behaves like IOC.
// - IOC: fill what crosses, cancel the rest. FOK: fill completely or not at all; fillability is
//   checked by walking the opposite levels without modifying them.
// - DAY rests until `endOfDay()`; GTD until `expire(nowMicros)` passes its expiry; GTC until cancelled.
// - Amend (the usual exchange rule): reducing quantity at the same price keeps time priority; a
//   price change or a quantity increase loses it (the order re-enters at the back of the queue of
//   its new price, and may trade at once if the new price crosses).
// - Self-trade prevention (optional, by owner id; owner 0 never matches as "self"): when an
//   incoming order would trade with a resting order of the same owner, the book cancels the
//   resting order, the incoming order, or both.
import { commonV1, tradingV1 } from '@tapeline/contracts';
import { BookSide, type PriceLevel, RestingOrder } from './book-side';
import { OrderBookError, requirePositive, requireSafeInteger } from './errors';
import {
  CancelReason,
  type CancelReport,
  type ExecutionSink,
  type Fill,
  SubmitStatus,
  type SubmitResult,
} from './reports';

const BUY = commonV1.Side.SIDE_BUY;
const SELL = commonV1.Side.SIDE_SELL;
const { TIME_IN_FORCE_DAY: DAY, TIME_IN_FORCE_GTC: GTC, TIME_IN_FORCE_IOC: IOC } = tradingV1.TimeInForce;
const { TIME_IN_FORCE_FOK: FOK, TIME_IN_FORCE_GTD: GTD } = tradingV1.TimeInForce;

export enum SelfTradePrevention {
  None = 0,
  /** The resting order is cancelled; the incoming order goes on matching. */
  CancelResting = 1,
  /** The incoming order's remainder is cancelled; the resting order stays. */
  CancelIncoming = 2,
  CancelBoth = 3,
}

export enum AmendStatus {
  UnknownOrder = 0,
  /** Same price, quantity reduced (or unchanged): same place in the queue. */
  KeptPriority = 1,
  /** Price changed or quantity increased: re-entered at the back (and may have traded). */
  LostPriority = 2,
}

export interface BookLevel {
  price: number;
  qty: number;
  count: number;
}

/** Levels of a simulated market to seed a book with: each becomes one resting GTC order. */
export interface BookSnapshot {
  bids: ReadonlyArray<{ price: number; qty: number }>;
  asks: ReadonlyArray<{ price: number; qty: number }>;
}

export interface OrderBookOptions {
  sink?: ExecutionSink;
  selfTradePrevention?: SelfTradePrevention;
}

export interface BookOrderRequest {
  id: number;
  side: commonV1.Side;
  ordType: tradingV1.OrdType.ORD_TYPE_LIMIT | tradingV1.OrdType.ORD_TYPE_MARKET;
  /** Ignored for market orders. */
  price?: number;
  qty: number;
  timeInForce: tradingV1.TimeInForce;
  owner?: number;
  /** GTD only: UTC microseconds since the epoch. */
  expireAtMicros?: number;
}

/** A copy of one resting order, for queries (not the hot path). */
export interface RestingOrderView {
  id: number;
  owner: number;
  side: commonV1.Side;
  price: number;
  leavesQty: number;
  timeInForce: tradingV1.TimeInForce;
  expireAtMicros: number;
}

const NO_SINK: ExecutionSink = { onFill() {}, onCancel() {} };

export class OrderBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  private readonly orders = new Map<number, RestingOrder>();
  private readonly gtdOrders = new Set<RestingOrder>();
  private readonly freeOrders: RestingOrder[] = [];
  private readonly sink: ExecutionSink;
  private readonly stp: SelfTradePrevention;
  private matchSeq = 0;
  /** Ids for seeded liquidity count down from -1 so they never collide with callers' positive ids. */
  private seedSeq = 0;
  private incomingSelfTrade = false;
  // Reused report objects: the hot path allocates nothing per fill.
  private readonly fill: Fill = {
    matchId: 0,
    takerId: 0,
    takerOwner: 0,
    takerSide: BUY,
    makerId: 0,
    makerOwner: 0,
    price: 0,
    qty: 0,
    takerLeaves: 0,
    makerLeaves: 0,
  };
  private readonly cancelReport: CancelReport = {
    orderId: 0,
    owner: 0,
    side: BUY,
    price: 0,
    canceledQty: 0,
    reason: CancelReason.Requested,
  };
  private readonly result: SubmitResult = {
    orderId: 0,
    status: SubmitStatus.Rested,
    filledQty: 0,
    restingQty: 0,
    canceledQty: 0,
    cancelReason: 0,
  };

  constructor(options: OrderBookOptions = {}) {
    this.sink = options.sink ?? NO_SINK;
    this.stp = options.selfTradePrevention ?? SelfTradePrevention.None;
  }

  /** Object form of `limit`/`market`. */
  submit(order: BookOrderRequest): Readonly<SubmitResult> {
    const owner = order.owner ?? 0;
    if (order.ordType === tradingV1.OrdType.ORD_TYPE_MARKET) {
      return this.market(order.id, order.side, order.qty, order.timeInForce, owner);
    }
    if (order.ordType !== tradingV1.OrdType.ORD_TYPE_LIMIT) {
      throw new OrderBookError(
        'INVALID_ARGUMENT',
        `order type ${String(order.ordType)} is not LIMIT or MARKET`,
      );
    }
    if (order.price === undefined)
      throw new OrderBookError('INVALID_ARGUMENT', 'a limit order needs a price');
    return this.limit(
      order.id,
      order.side,
      order.price,
      order.qty,
      order.timeInForce,
      owner,
      order.expireAtMicros ?? 0,
    );
  }

  limit(
    id: number,
    side: commonV1.Side,
    price: number,
    qty: number,
    tif: tradingV1.TimeInForce,
    owner = 0,
    expireAtMicros = 0,
  ): Readonly<SubmitResult> {
    this.checkNewOrder(id, side, qty, tif, owner);
    requireSafeInteger('price', price);
    if (tif === GTD) requirePositive('expireAtMicros of a GTD order', expireAtMicros);
    return this.execute(id, side, price, false, qty, tif, owner, tif === GTD ? expireAtMicros : 0);
  }

  market(
    id: number,
    side: commonV1.Side,
    qty: number,
    tif: tradingV1.TimeInForce = IOC,
    owner = 0,
  ): Readonly<SubmitResult> {
    this.checkNewOrder(id, side, qty, tif, owner);
    return this.execute(id, side, 0, true, qty, tif === FOK ? FOK : IOC, owner, 0);
  }

  /** Cancels a resting order; returns the quantity cancelled (0: not on the book, e.g. already filled). */
  cancel(id: number): number {
    const order = this.orders.get(id);
    if (order === undefined) return 0;
    const qty = order.leaves;
    this.remove(order, CancelReason.Requested);
    return qty;
  }

  /**
   * Changes a resting order's price and/or leaves quantity (the quantity still open, not the
   * original order quantity). See the priority rule at the top of this file.
   */
  amend(id: number, newPrice: number, newLeavesQty: number): AmendStatus {
    requireSafeInteger('price', newPrice);
    requirePositive('leaves quantity', newLeavesQty);
    const order = this.orders.get(id);
    if (order === undefined) return AmendStatus.UnknownOrder;
    if (newPrice === order.price && newLeavesQty <= order.leaves) {
      order.level!.qty -= order.leaves - newLeavesQty;
      order.leaves = newLeavesQty;
      return AmendStatus.KeptPriority;
    }
    const { side, tif, owner, expireAtMicros } = order;
    this.detach(order);
    this.execute(id, side, newPrice, false, newLeavesQty, tif, owner, expireAtMicros);
    return AmendStatus.LostPriority;
  }

  /** Cancels every GTD order whose expiry is at or before `nowMicros`; returns how many. */
  expire(nowMicros: number): number {
    requireSafeInteger('nowMicros', nowMicros);
    let n = 0;
    for (const order of this.gtdOrders) {
      if (order.expireAtMicros <= nowMicros) {
        this.remove(order, CancelReason.Expired);
        n++;
      }
    }
    return n;
  }

  /** Cancels every resting DAY order (end of the trading session); returns how many. */
  endOfDay(): number {
    return this.removeWhere((o) => o.tif === DAY, CancelReason.EndOfDay);
  }

  /** Cancels every resting order of one owner (kill switch, liquidity refresh); returns how many. */
  cancelOwner(owner: number): number {
    return this.removeWhere((o) => o.owner === owner, CancelReason.Requested);
  }

  /**
   * Seeds the book with a snapshot of levels (the simulated market's liquidity): one resting GTC
   * order per level, owned by `owner`, with ids -1, -2, ... Refuses a snapshot that crosses itself
   * or the book. Returns the number of orders added.
   */
  seed(snapshot: BookSnapshot, owner = 0): number {
    requireSafeInteger('owner', owner);
    const levels = [
      ...snapshot.bids.map((l) => ({ ...l, side: BUY })),
      ...snapshot.asks.map((l) => ({ ...l, side: SELL })),
    ];
    let maxBid = this.bestBid() ?? -Infinity;
    let minAsk = this.bestAsk() ?? Infinity;
    for (const { price, qty, side } of levels) {
      requireSafeInteger('snapshot price', price);
      requirePositive('snapshot quantity', qty);
      if (side === BUY) maxBid = Math.max(maxBid, price);
      else minAsk = Math.min(minAsk, price);
    }
    if (maxBid >= minAsk) {
      throw new OrderBookError(
        'CROSSED_SNAPSHOT',
        `snapshot crosses: best bid ${maxBid} >= best ask ${minAsk}`,
      );
    }
    for (const { price, qty, side } of levels) this.rest(--this.seedSeq, side, price, qty, GTC, owner, 0);
    return levels.length;
  }

  bestBid(): number | undefined {
    return this.bids.best()?.price;
  }

  bestAsk(): number | undefined {
    return this.asks.best()?.price;
  }

  /** Up to `maxLevels` levels of one side, best first. */
  depth(side: commonV1.Side, maxLevels = Infinity): BookLevel[] {
    const levels = (side === BUY ? this.bids : this.asks).levels;
    const out: BookLevel[] = [];
    for (let i = levels.length - 1; i >= 0 && out.length < maxLevels; i--) {
      const { price, qty, count } = levels[i]!;
      out.push({ price, qty, count });
    }
    return out;
  }

  /** Resting orders at one price, in queue (time priority) order. */
  queueAt(side: commonV1.Side, price: number): number[] {
    const ids: number[] = [];
    for (
      let o = (side === BUY ? this.bids : this.asks).levelAt(price)?.head ?? null;
      o !== null;
      o = o.next
    ) {
      ids.push(o.id);
    }
    return ids;
  }

  has(id: number): boolean {
    return this.orders.has(id);
  }

  order(id: number): RestingOrderView | undefined {
    const o = this.orders.get(id);
    if (o === undefined) return undefined;
    return {
      id: o.id,
      owner: o.owner,
      side: o.side,
      price: o.price,
      leavesQty: o.leaves,
      timeInForce: o.tif,
      expireAtMicros: o.expireAtMicros,
    };
  }

  get orderCount(): number {
    return this.orders.size;
  }

  private checkNewOrder(id: number, side: number, qty: number, tif: number, owner: number): void {
    requireSafeInteger('order id', id);
    requirePositive('quantity', qty);
    requireSafeInteger('owner', owner);
    if (side !== BUY && side !== SELL)
      throw new OrderBookError('INVALID_ARGUMENT', `side ${side} is not BUY or SELL`);
    if (tif !== DAY && tif !== GTC && tif !== IOC && tif !== FOK && tif !== GTD) {
      throw new OrderBookError('INVALID_ARGUMENT', `time in force ${tif} is not DAY, GTC, IOC, FOK or GTD`);
    }
    if (this.orders.has(id))
      throw new OrderBookError('DUPLICATE_ORDER_ID', `order ${id} is already on the book`);
  }

  private execute(
    id: number,
    side: number,
    price: number,
    isMarket: boolean,
    qty: number,
    tif: number,
    owner: number,
    expireAtMicros: number,
  ): SubmitResult {
    const r = this.result;
    r.orderId = id;
    r.filledQty = r.restingQty = r.canceledQty = 0;
    r.cancelReason = 0;
    let leaves = qty;
    let reason: CancelReason;
    if (tif === FOK && !this.canFill(side, price, isMarket, qty, owner)) {
      r.status = SubmitStatus.Killed;
      reason = CancelReason.FillOrKill;
    } else {
      leaves = this.match(id, side, price, isMarket, qty, owner);
      r.filledQty = qty - leaves;
      if (leaves === 0) {
        r.status = SubmitStatus.Filled;
        return r;
      }
      if (!this.incomingSelfTrade && !isMarket && tif !== IOC && tif !== FOK) {
        this.rest(id, side, price, leaves, tif, owner, expireAtMicros);
        r.status = SubmitStatus.Rested;
        r.restingQty = leaves;
        return r;
      }
      r.status = SubmitStatus.Canceled;
      reason = this.incomingSelfTrade ? CancelReason.SelfTradePrevention : CancelReason.ImmediateOrCancel;
    }
    r.canceledQty = leaves;
    r.cancelReason = reason;
    this.reportCancel(id, owner, side, price, leaves, reason);
    return r;
  }

  /** Trades an incoming order against the opposite side; returns its unfilled quantity. */
  private match(
    id: number,
    side: number,
    price: number,
    isMarket: boolean,
    qty: number,
    owner: number,
  ): number {
    const opposite = side === BUY ? this.asks : this.bids;
    const checkSelf = this.stp !== SelfTradePrevention.None && owner !== 0;
    const fill = this.fill;
    let leaves = qty;
    this.incomingSelfTrade = false;
    while (leaves > 0) {
      const level = opposite.best();
      if (level === undefined) break;
      if (!isMarket && (side === BUY ? level.price > price : level.price < price)) break;
      let maker = level.head;
      while (maker !== null && leaves > 0) {
        const next = maker.next;
        if (checkSelf && maker.owner === owner) {
          if (this.stp !== SelfTradePrevention.CancelIncoming) this.cancelResting(opposite, maker);
          if (this.stp !== SelfTradePrevention.CancelResting) {
            this.incomingSelfTrade = true;
            opposite.dropIfEmpty(level);
            return leaves;
          }
          maker = next;
          continue;
        }
        const q = leaves < maker.leaves ? leaves : maker.leaves;
        leaves -= q;
        maker.leaves -= q;
        level.qty -= q;
        fill.matchId = ++this.matchSeq;
        fill.takerId = id;
        fill.takerOwner = owner;
        fill.takerSide = side;
        fill.makerId = maker.id;
        fill.makerOwner = maker.owner;
        fill.price = level.price;
        fill.qty = q;
        fill.takerLeaves = leaves;
        fill.makerLeaves = maker.leaves;
        if (maker.leaves === 0) {
          opposite.unlink(maker);
          this.release(maker);
        }
        this.sink.onFill(fill);
        maker = next;
      }
      opposite.dropIfEmpty(level);
    }
    return leaves;
  }

  /** Self-trade prevention inside the match loop: the level is dropped by the loop itself. */
  private cancelResting(side: BookSide, maker: RestingOrder): void {
    const qty = maker.leaves;
    side.unlink(maker);
    this.release(maker);
    this.reportCancel(maker.id, maker.owner, maker.side, maker.price, qty, CancelReason.SelfTradePrevention);
  }

  /** FOK pre-check: walks the crossing liquidity read-only. */
  private canFill(side: number, price: number, isMarket: boolean, qty: number, owner: number): boolean {
    const levels = (side === BUY ? this.asks : this.bids).levels;
    const checkSelf = this.stp !== SelfTradePrevention.None && owner !== 0;
    let available = 0;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level: PriceLevel = levels[i]!;
      if (!isMarket && (side === BUY ? level.price > price : level.price < price)) return false;
      if (!checkSelf) {
        available += level.qty;
        if (available >= qty) return true;
        continue;
      }
      for (let o = level.head; o !== null; o = o.next) {
        if (o.owner === owner) {
          // Own orders are skipped (CancelResting) or stop the incoming order short.
          if (this.stp === SelfTradePrevention.CancelResting) continue;
          return false;
        }
        available += o.leaves;
        if (available >= qty) return true;
      }
    }
    return false;
  }

  private rest(
    id: number,
    side: number,
    price: number,
    qty: number,
    tif: number,
    owner: number,
    expireAtMicros: number,
  ): void {
    const order = this.freeOrders.pop() ?? new RestingOrder();
    order.id = id;
    order.owner = owner;
    order.side = side;
    order.price = price;
    order.leaves = qty;
    order.tif = tif;
    order.expireAtMicros = expireAtMicros;
    (side === BUY ? this.bids : this.asks).append(order);
    this.orders.set(id, order);
    if (tif === GTD) this.gtdOrders.add(order);
  }

  /** Takes a resting order off the book without reporting (amend re-entry). */
  private detach(order: RestingOrder): void {
    const side = order.side === BUY ? this.bids : this.asks;
    const level = order.level!;
    side.unlink(order);
    side.dropIfEmpty(level);
    this.release(order);
  }

  private remove(order: RestingOrder, reason: CancelReason): void {
    const { id, owner, side, price, leaves } = order;
    this.detach(order);
    this.reportCancel(id, owner, side, price, leaves, reason);
  }

  private removeWhere(predicate: (order: RestingOrder) => boolean, reason: CancelReason): number {
    const doomed: RestingOrder[] = [];
    for (const order of this.orders.values()) if (predicate(order)) doomed.push(order);
    for (const order of doomed) this.remove(order, reason);
    return doomed.length;
  }

  private release(order: RestingOrder): void {
    this.orders.delete(order.id);
    if (order.tif === GTD) this.gtdOrders.delete(order);
    this.freeOrders.push(order);
  }

  private reportCancel(
    orderId: number,
    owner: number,
    side: number,
    price: number,
    canceledQty: number,
    reason: CancelReason,
  ): void {
    const c = this.cancelReport;
    c.orderId = orderId;
    c.owner = owner;
    c.side = side;
    c.price = price;
    c.canceledQty = canceledQty;
    c.reason = reason;
    this.sink.onCancel(c);
  }
}
