import { commonV1, tradingV1, type eventsV1 } from '@tapeline/contracts';
import { FixedPointError, rescale } from '@tapeline/fixed-point';
import { divRoundHalfAwayFromZero, OrdersError, PositionBook } from '@tapeline/orders';
import type { PositionSnapshot, PreTradeRiskEngine } from '@tapeline/risk-checks';
import { MONEY_SCALE } from '../controls/control-catalog';

/** An execution or order event risk cannot apply; the consumer dead-letters it with this reason. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code = 'BAD_TRADING_EVENT';
}

/** The engine's id of an open order: ClOrdIDs are unique per account (oms idempotency). */
export function orderKey(accountId: string, clOrdId: string): string {
  return `${accountId}/${clOrdId}`;
}

const { OrdStatus, ExecType } = tradingV1;
const DONE_STATUSES: ReadonlySet<tradingV1.OrdStatus> = new Set([
  OrdStatus.ORD_STATUS_FILLED,
  OrdStatus.ORD_STATUS_CANCELED,
  OrdStatus.ORD_STATUS_REJECTED,
  OrdStatus.ORD_STATUS_EXPIRED,
]);
const CLOSING_EXEC_TYPES: ReadonlySet<tradingV1.ExecType> = new Set([
  ExecType.EXEC_TYPE_CANCELED,
  ExecType.EXEC_TYPE_REJECTED,
  ExecType.EXEC_TYPE_EXPIRED,
]);
const DAY_MICROS = 86_400_000_000;

export type ExecutionOutcome = 'fill' | 'closed' | 'duplicate' | 'ignored';

/**
 * Positions and P&L from `executions`, and the engine's open-order bookkeeping from `executions`
 * and `orders`. Positions keep average cost and realised P&L (PositionBook of @tapeline/orders);
 * realised P&L of the current UTC day feeds the daily loss limit. Fills of orders the engine does
 * not hold open (accepted before a restart, replayed at boot) move the engine's position directly.
 * Redeliveries are dropped by exec id and order version.
 */
export class PositionLedger {
  private readonly book = new PositionBook();
  private readonly execIds = new Set<string>();
  private readonly orderVersions = new Map<string, bigint>();
  /** Money-scale realised P&L of the current day, by account and instrument. */
  private readonly dayRealised = new Map<string, bigint>();
  private readonly lastFillPrice = new Map<string, bigint>();
  /** Desk of each account, from orders and checks (executions do not carry it). */
  readonly desks = new Map<string, string>();
  private day: number;

  constructor(
    private readonly engine: PreTradeRiskEngine,
    nowMicros: number,
  ) {
    this.day = Math.floor(nowMicros / DAY_MICROS);
  }

  defineInstrument(instrumentId: string, multiplier: bigint): void {
    this.book.defineInstrument(instrumentId, { multiplier });
  }

  noteDesk(accountId: string, desk: string): void {
    if (desk !== '') this.desks.set(accountId, desk);
  }

  /** True when `nowMicros` starts a new UTC day: the day's realised P&L starts again from zero. */
  rollDay(nowMicros: number): boolean {
    const day = Math.floor(nowMicros / DAY_MICROS);
    if (day === this.day) return false;
    this.day = day;
    this.dayRealised.clear();
    return true;
  }

  onExecution(e: eventsV1.ExecutionEvent): ExecutionOutcome {
    if (this.execIds.has(e.execId)) return 'duplicate';
    const key = orderKey(e.accountId, e.clOrdId);
    let outcome: ExecutionOutcome = 'ignored';
    if (e.execType === ExecType.EXEC_TYPE_TRADE) {
      this.applyFill(e, key);
      outcome = 'fill';
    }
    if (CLOSING_EXEC_TYPES.has(e.execType) || DONE_STATUSES.has(e.ordStatus)) {
      this.engine.onOrderClosed(key);
      if (outcome === 'ignored') outcome = 'closed';
    }
    if (e.execId !== '') this.execIds.add(e.execId);
    return outcome;
  }

  /** Order states: a finished order releases what it reserved, and so does a superseded ClOrdID. */
  onOrder(o: eventsV1.OrderEvent): boolean {
    this.noteDesk(o.accountId, o.desk);
    const version = BigInt(o.version);
    const seen = this.orderVersions.get(o.orderId);
    if (seen !== undefined && version <= seen) return false;
    this.orderVersions.set(o.orderId, version);
    if (DONE_STATUSES.has(o.ordStatus)) this.engine.onOrderClosed(orderKey(o.accountId, o.clOrdId));
    // After a cancel or replace is acknowledged the order carries the new ClOrdID and the one risk
    // checked is in orig_cl_ord_id: that one no longer works (a replacement was checked on its own).
    const superseded = o.origClOrdId !== '' && o.origClOrdId !== o.clOrdId;
    if (superseded && o.ordStatus !== OrdStatus.ORD_STATUS_PENDING_REPLACE) {
      this.engine.onOrderClosed(orderKey(o.accountId, o.origClOrdId));
    }
    return true;
  }

  /** Every position with a quantity or realised P&L today; realised P&L is the day's, at the money scale. */
  snapshots(): PositionSnapshot[] {
    const out: PositionSnapshot[] = [];
    for (const p of this.book.all()) {
      const realisedPnl = this.dayRealised.get(positionKey(p.accountId, p.instrumentId)) ?? 0n;
      if (p.qty === 0n && realisedPnl === 0n) continue;
      out.push({
        accountId: p.accountId,
        desk: this.desks.get(p.accountId) ?? p.desk,
        instrumentId: p.instrumentId,
        quantity: p.qty,
        averagePrice: p.avgPx,
        realisedPnl,
      });
    }
    return out;
  }

  /** Price of the last fill in the instrument: the mark of last resort when no quote has come. */
  lastFillPriceOf(instrumentId: string): bigint | undefined {
    return this.lastFillPrice.get(instrumentId);
  }

  private applyFill(e: eventsV1.ExecutionEvent, key: string): void {
    const instrument = this.engine.instruments.find(e.instrumentId);
    if (instrument === undefined)
      throw new LedgerError(`execution ${e.execId}: unknown instrument ${e.instrumentId}`);
    const side = e.side;
    if (side !== commonV1.Side.SIDE_BUY && side !== commonV1.Side.SIDE_SELL) {
      throw new LedgerError(`execution ${e.execId}: side ${side} is neither BUY nor SELL`);
    }
    let lastQty: bigint;
    let lastPx: bigint;
    try {
      lastQty = rescale({ mantissa: BigInt(e.lastQty), scale: e.sizeScale }, instrument.sizeScale).mantissa;
      lastPx = rescale({ mantissa: BigInt(e.lastPx), scale: e.priceScale }, instrument.priceScale).mantissa;
    } catch (err) {
      if (err instanceof FixedPointError) throw new LedgerError(`execution ${e.execId}: ${err.message}`);
      throw err;
    }
    if (lastQty <= 0n) throw new LedgerError(`execution ${e.execId}: last_qty ${e.lastQty} is not positive`);
    const open = this.engine.openOrders.get(key);
    const desk = open?.desk ?? this.desks.get(e.accountId) ?? '';
    const before = this.book.get(e.accountId, e.instrumentId)?.realisedPnl ?? 0n;
    let after;
    try {
      after = this.book.applyFill({
        accountId: e.accountId,
        desk,
        instrumentId: e.instrumentId,
        side,
        priceScale: instrument.priceScale,
        sizeScale: instrument.sizeScale,
        lastQty,
        lastPx,
      });
    } catch (err) {
      if (err instanceof OrdersError) throw new LedgerError(`execution ${e.execId}: ${err.message}`);
      throw err;
    }
    if (Math.floor(Number(e.transactTimeMicros) / DAY_MICROS) === this.day) {
      const k = positionKey(e.accountId, e.instrumentId);
      const scale = instrument.priceScale + instrument.sizeScale;
      this.dayRealised.set(
        k,
        (this.dayRealised.get(k) ?? 0n) + toMoneyScale(after.realisedPnl - before, scale),
      );
    }
    this.lastFillPrice.set(e.instrumentId, lastPx);
    // The engine releases what the order reserved; a fill beyond it (or of an order it does not
    // hold) still moves the position the position limit is checked against.
    const reserved = open === undefined ? 0n : open.leavesQuantity < lastQty ? open.leavesQuantity : lastQty;
    if (reserved > 0n) this.engine.onExecution(key, reserved);
    const rest = lastQty - reserved;
    if (rest > 0n) {
      const signed = side === commonV1.Side.SIDE_BUY ? rest : -rest;
      const position = this.engine.positionOf(e.accountId, e.instrumentId);
      this.engine.setPosition(e.accountId, desk, e.instrumentId, position + signed);
    }
  }
}

function positionKey(accountId: string, instrumentId: string): string {
  return `${accountId}\u0000${instrumentId}`;
}

/** An amount at `scale` (price + size scale) at the money scale, rounded half away from zero. */
function toMoneyScale(amount: bigint, scale: number): bigint {
  if (scale <= MONEY_SCALE) return amount * 10n ** BigInt(MONEY_SCALE - scale);
  return divRoundHalfAwayFromZero(amount, 10n ** BigInt(scale - MONEY_SCALE));
}
