import type { CheckContext, PreTradeCheck } from './check';
import { defaultChecks } from './checks';
import { RiskInputError } from './errors';
import { InstrumentTable, type PreparedInstrument, type RiskInstrument } from './instruments';
import { KillSwitchBoard, type KillSwitchEvent, type KillSwitchScope } from './kill-switch';
import { LimitBook, type ResolvedLimits } from './limits';
import type { Rejection, RiskActor, RiskOrder } from './model';
import { throttled, throttleRing } from './checks/message-throttle-check';
import { AccountState, DuplicateWindow, type PositionState, type OpenOrder } from './state';

export interface PreTradeRiskEngineOptions {
  /** Scale of every money amount (limits, notionals, credit); 4 by default. */
  readonly moneyScale?: number;
  /** The controls to run, in order; all of them (defaultChecks()) by default. */
  readonly checks?: readonly PreTradeCheck[];
}

export interface KillSwitchChange {
  readonly event: KillSwitchEvent;
  /** Open orders in the scope, for the oms to cancel (empty when the switch is released). */
  readonly ordersToCancel: readonly OpenOrder[];
}

/**
 * Pre-trade risk from in-memory state. `evaluate` runs every control against the order and
 * either returns the first rejection or records the order as open (reserving its quantity,
 * notional, throttle slot and duplicate key). Executions and closes from the oms release what
 * was reserved. Market orders are valued at the upper edge of the price collar (the worst price
 * the collar lets them reach), or at the reference price when no collar is configured.
 */
export class PreTradeRiskEngine {
  readonly instruments: InstrumentTable;
  readonly limits: LimitBook;
  readonly killSwitches = new KillSwitchBoard();
  readonly openOrders = new Map<string, OpenOrder>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly duplicates = new DuplicateWindow();
  private readonly checks: readonly PreTradeCheck[];
  private readonly ctx: CheckContext;

  constructor(options: PreTradeRiskEngineOptions = {}) {
    this.instruments = new InstrumentTable(options.moneyScale ?? 4);
    this.limits = new LimitBook(this.instruments.moneyScale);
    this.checks = options.checks ?? defaultChecks();
    // One context for every evaluation: the hot path fills it instead of allocating.
    this.ctx = {
      nowMicros: 0,
      moneyScale: this.instruments.moneyScale,
      instrument: undefined as unknown as PreparedInstrument,
      limits: undefined as unknown as CheckContext['limits'],
      account: undefined as unknown as AccountState,
      position: undefined as unknown as PositionState,
      effectivePrice: undefined,
      notional: undefined,
      duplicateKey: undefined,
      killSwitches: this.killSwitches,
      limitBook: this.limits,
      duplicates: this.duplicates,
    };
  }

  addInstrument(instrument: RiskInstrument): void {
    this.instruments.add(instrument);
  }

  /** Reference price for the collar and for valuing market orders (last trade or mid, price scale). */
  setReferencePrice(instrumentId: string, price: bigint): void {
    if (price <= 0n)
      throw new RiskInputError('BAD_ORDER', `reference price of ${instrumentId} must be positive`);
    this.instruments.get(instrumentId).referencePrice = price;
  }

  setKillSwitch(
    scope: KillSwitchScope,
    engaged: boolean,
    actor: RiskActor,
    atMicros: number,
    reason: string,
  ): KillSwitchChange {
    const event = this.killSwitches.set(scope, engaged, actor, atMicros, reason);
    const ordersToCancel: OpenOrder[] = [];
    if (engaged) {
      for (const order of this.openOrders.values()) {
        if (KillSwitchBoard.covers(scope, order.accountId, order.desk)) ordersToCancel.push(order);
      }
    }
    return { event, ordersToCancel };
  }

  /** Start-of-day or recovered position (size-scale mantissa, signed). */
  setPosition(accountId: string, desk: string, instrumentId: string, quantity: bigint): void {
    this.instruments.get(instrumentId);
    this.account(accountId, desk).position(instrumentId).position = quantity;
  }

  /** Credit used outside open orders (money-scale mantissa), counted by the credit check. */
  setCreditUtilisation(accountId: string, desk: string, amount: bigint): void {
    this.account(accountId, desk).utilisation = amount;
  }

  /**
   * Judges one order: undefined when accepted (and then recorded as open), else the first
   * rejection. Throws RiskInputError for an order that is malformed or for an unknown instrument.
   */
  evaluate(order: RiskOrder, nowMicros: number): Rejection | undefined {
    const instrument = this.instruments.get(order.instrumentId);
    validate(order);
    const account = this.account(order.accountId, order.desk);
    const limits = this.limitsFor(account, instrument);
    const ctx = this.ctx;
    ctx.nowMicros = nowMicros;
    ctx.instrument = instrument;
    ctx.limits = limits;
    ctx.account = account;
    ctx.position = account.position(order.instrumentId);
    ctx.effectivePrice = order.price ?? this.marketPrice(instrument, limits.priceCollarBps);
    ctx.notional =
      ctx.effectivePrice === undefined
        ? undefined
        : this.instruments.toMoney(instrument, order.quantity, ctx.effectivePrice, 'up');
    ctx.duplicateKey =
      limits.duplicateWindowMicros === undefined
        ? undefined
        : `${order.accountId}|${order.instrumentId}|${order.side}|${order.quantity}|${order.price ?? 'MKT'}`;
    for (const check of this.checks) {
      const rejected = check.check(order, ctx);
      if (rejected) return rejected;
    }
    this.accept(order, ctx);
    return undefined;
  }

  /**
   * Counts a non-order message (cancel, replace) against the account's throttle: undefined when
   * admitted (and counted), else the throttle rejection.
   */
  admitMessage(accountId: string, desk: string, nowMicros: number): Rejection | undefined {
    const account = this.account(accountId, desk);
    const { throttle, sources } = this.limits.resolveAccount(accountId, desk);
    if (!throttle) return undefined;
    const rejected = throttled(account, throttle, nowMicros, sources.throttle);
    if (!rejected) account.throttle!.record(nowMicros);
    return rejected;
  }

  /** A fill of `lastQuantity` (size-scale mantissa): moves position, releases reserved quantity and notional. */
  onExecution(orderId: string, lastQuantity: bigint): void {
    const order = this.openOrders.get(orderId);
    if (!order) throw new RiskInputError('UNKNOWN_ORDER', `execution for unknown or closed order ${orderId}`);
    if (lastQuantity <= 0n || lastQuantity > order.leavesQuantity) {
      throw new RiskInputError(
        'BAD_ORDER',
        `fill of ${lastQuantity} on order ${orderId} with ${order.leavesQuantity} leaves`,
      );
    }
    const account = this.accounts.get(order.accountId)!;
    const position = account.position(order.instrumentId);
    const buy = order.side === 'BUY';
    position.position += buy ? lastQuantity : -lastQuantity;
    if (buy) position.openBuy -= lastQuantity;
    else position.openSell -= lastQuantity;
    order.leavesQuantity -= lastQuantity;
    const instrument = this.instruments.get(order.instrumentId);
    const notional = this.instruments.toMoney(instrument, order.leavesQuantity, order.price, 'up');
    account.openNotional += notional - order.notional;
    order.notional = notional;
    if (order.leavesQuantity === 0n) this.release(order, account);
  }

  /** The order stopped working (cancelled, rejected by the venue, expired): releases what it reserved. */
  onOrderClosed(orderId: string): void {
    const order = this.openOrders.get(orderId);
    if (!order) return; // already closed by its last fill: closing twice is idempotent
    const account = this.accounts.get(order.accountId)!;
    const position = account.position(order.instrumentId);
    if (order.side === 'BUY') position.openBuy -= order.leavesQuantity;
    else position.openSell -= order.leavesQuantity;
    account.openNotional -= order.notional;
    this.release(order, account);
  }

  /** Current position (size-scale mantissa) of an account in an instrument. */
  positionOf(accountId: string, instrumentId: string): bigint {
    return this.accounts.get(accountId)?.positions.get(instrumentId)?.position ?? 0n;
  }

  private release(order: OpenOrder, account: AccountState): void {
    this.openOrders.delete(order.orderId);
    account.openOrders--;
  }

  private accept(order: RiskOrder, ctx: CheckContext): void {
    if (this.openOrders.has(order.orderId)) {
      throw new RiskInputError('BAD_ORDER', `order ${order.orderId} is already open`);
    }
    const { account, position, limits } = ctx;
    account.openOrders++;
    // A market order without any price was let through only because no value control is set.
    const notional = ctx.notional ?? 0n;
    account.openNotional += notional;
    if (order.side === 'BUY') position.openBuy += order.quantity;
    else position.openSell += order.quantity;
    if (limits.throttle) throttleRing(account, limits.throttle).record(ctx.nowMicros);
    if (ctx.duplicateKey !== undefined) {
      this.duplicates.record(ctx.duplicateKey, ctx.nowMicros, limits.duplicateWindowMicros!);
    }
    this.openOrders.set(order.orderId, {
      orderId: order.orderId,
      accountId: order.accountId,
      desk: order.desk,
      instrumentId: order.instrumentId,
      side: order.side,
      leavesQuantity: order.quantity,
      price: ctx.effectivePrice ?? 0n,
      notional,
    });
  }

  private limitsFor(account: AccountState, instrument: PreparedInstrument): ResolvedLimits {
    if (account.limitsVersion !== this.limits.version) {
      account.limits.clear();
      account.limitsVersion = this.limits.version;
    }
    let limits = account.limits.get(instrument.instrumentId);
    if (!limits || limits.desk !== account.desk) {
      limits = this.limits.resolve(account.accountId, account.desk, instrument);
      account.limits.set(instrument.instrumentId, limits);
    }
    return limits;
  }

  private marketPrice(instrument: PreparedInstrument, collarBps: bigint | undefined): bigint | undefined {
    const ref = instrument.referencePrice;
    if (ref === undefined || collarBps === undefined) return ref;
    return (ref * (10_000n + collarBps)) / 10_000n;
  }

  private account(accountId: string, desk: string): AccountState {
    let account = this.accounts.get(accountId);
    if (!account) this.accounts.set(accountId, (account = new AccountState(accountId, desk)));
    else if (account.desk !== desk) account.desk = desk;
    return account;
  }
}

function validate(order: RiskOrder): void {
  if (!order.orderId) bad(order, 'no order id');
  if (!order.accountId) bad(order, 'no account');
  if (order.side !== 'BUY' && order.side !== 'SELL') bad(order, `side "${String(order.side)}"`);
  if (order.quantity <= 0n) bad(order, `quantity ${order.quantity} is not positive`);
  if (order.ordType === 'LIMIT') {
    if (order.price === undefined || order.price <= 0n)
      bad(order, `limit price ${order.price} is not positive`);
  } else if (order.ordType === 'MARKET') {
    if (order.price !== undefined) bad(order, 'a market order carries no price');
  } else bad(order, `order type "${String(order.ordType)}"`);
}

// A module function, not a closure made per validated order.
function bad(order: RiskOrder, why: string): never {
  throw new RiskInputError('BAD_ORDER', `order ${order.orderId}: ${why}`);
}
