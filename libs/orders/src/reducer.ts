// The pure reducer: (order version, event) -> next version + ExecType + before/after record.
// It computes quantities and prices; which state follows is looked up in the lifecycle table.
import { tradingV1 } from '@tapeline/contracts';
import { OrdersError, TransitionRefusedError } from './errors';
import { type FillEvent, type OrderUpdateEvent, type ReplaceRequestEvent, type SubmitEvent } from './events';
import { BY_QUANTITY, isTerminal, lifecycleRule, type LifecycleTrigger, statusName } from './lifecycle';
import { hasLimitPrice, isStopOrder, type Order, validateNewOrder } from './order';
import { divRoundHalfAwayFromZero } from './rounding';

const S = tradingV1.OrdStatus;

/** One state change, ready for the journal (before/after) and the wire (ExecType, FIX 150). */
export interface Transition {
  readonly event: SubmitEvent | OrderUpdateEvent;
  readonly trigger: LifecycleTrigger | 'Submit';
  readonly execType: tradingV1.ExecType;
  /** null for the Submit that creates the order. */
  readonly before: Order | null;
  readonly after: Order;
}

/**
 * The next version before the event's changes: every field written out in the order of
 * createOrder's literal, so that all versions share one hidden class with every field in the
 * object (a spread of a frozen 26-field object lands most fields in a separate property array).
 */
function nextVersion(o: Order, atMicros: bigint): Mutable<Order> {
  return {
    orderId: o.orderId,
    clOrdId: o.clOrdId,
    origClOrdId: o.origClOrdId,
    accountId: o.accountId,
    desk: o.desk,
    instrumentId: o.instrumentId,
    side: o.side,
    ordType: o.ordType,
    timeInForce: o.timeInForce,
    priceScale: o.priceScale,
    sizeScale: o.sizeScale,
    price: o.price,
    stopPrice: o.stopPrice,
    orderQty: o.orderQty,
    cumQty: o.cumQty,
    leavesQty: o.leavesQty,
    avgPx: o.avgPx,
    filledNotional: o.filledNotional,
    status: o.status,
    acknowledged: o.acknowledged,
    triggered: o.triggered,
    version: o.version + 1,
    expireTimeMicros: o.expireTimeMicros,
    transactTimeMicros: atMicros,
    text: o.text,
    pending: o.pending,
  };
}

/** Submit: a validated request becomes version 1 in PendingNew (ExecType PendingNew). */
export function createOrder(event: SubmitEvent): Transition {
  const r = event.request;
  validateNewOrder(event.orderId, r);
  const after: Order = Object.freeze({
    orderId: event.orderId,
    clOrdId: r.clOrdId,
    origClOrdId: '',
    accountId: r.accountId,
    desk: r.desk,
    instrumentId: r.instrumentId,
    side: r.side,
    ordType: r.ordType,
    timeInForce: r.timeInForce,
    priceScale: r.priceScale,
    sizeScale: r.sizeScale,
    price: r.price ?? 0n,
    stopPrice: r.stopPrice ?? 0n,
    orderQty: r.orderQty,
    cumQty: 0n,
    leavesQty: r.orderQty,
    avgPx: 0n,
    filledNotional: 0n,
    status: S.ORD_STATUS_PENDING_NEW,
    acknowledged: false,
    triggered: false,
    version: 1,
    expireTimeMicros: r.expireTimeMicros ?? 0n,
    transactTimeMicros: event.atMicros,
    text: r.text ?? '',
    pending: null,
  });
  return Object.freeze({
    event,
    trigger: 'Submit',
    execType: tradingV1.ExecType.EXEC_TYPE_PENDING_NEW,
    before: null,
    after,
  });
}

/** Applies one event to one order version. Throws TransitionRefusedError when the table says no. */
export function transition(order: Order, event: OrderUpdateEvent): Transition {
  if (event.orderId !== order.orderId) {
    throw new OrdersError(
      'UNKNOWN_ORDER',
      `event for order ${event.orderId} applied to order ${order.orderId}`,
    );
  }
  const trigger = triggerOf(order, event);
  const rule = lifecycleRule(order.status, trigger);
  if (rule === undefined)
    throw new TransitionRefusedError(order.orderId, order.status, trigger, statusName(order.status));

  const next = nextVersion(order, event.atMicros);
  switch (event.type) {
    case 'Ack':
      next.acknowledged = true;
      break;
    case 'Reject':
    case 'CancelReject':
    case 'ReplaceReject':
    case 'VenueCancel':
      next.text = event.text;
      next.pending = null;
      break;
    case 'Fill':
      applyFill(next, event);
      break;
    case 'CancelRequest':
      requireNewClOrdId(order, event.clOrdId);
      next.pending = Object.freeze({ kind: 'cancel', clOrdId: event.clOrdId });
      break;
    case 'ReplaceRequest':
      next.pending = replaceRequest(order, event);
      break;
    case 'CancelAck':
    case 'ReplaceAck': {
      const pending = order.pending;
      if (pending === null)
        throw new OrdersError('INVALID_ORDER', `order ${order.orderId} has no request pending`);
      next.clOrdId = pending.clOrdId;
      next.origClOrdId = order.clOrdId;
      if (pending.kind === 'replace') {
        next.orderQty = pending.orderQty;
        next.price = pending.price;
        next.stopPrice = pending.stopPrice;
        next.timeInForce = pending.timeInForce;
        next.expireTimeMicros = pending.expireTimeMicros;
      }
      next.pending = null;
      break;
    }
    case 'Expire':
      next.pending = null;
      break;
    case 'Trigger':
      if (!isStopOrder(order.ordType) || order.triggered) {
        throw new OrdersError(
          'INVALID_ORDER',
          `order ${order.orderId} is not a stop order waiting for its trigger`,
        );
      }
      next.triggered = true;
      break;
  }
  next.status = rule.to === BY_QUANTITY ? statusByQuantity(next) : rule.to;
  // A replace acknowledged after fills took CumQty past the new OrderQty leaves nothing open.
  if (isTerminal(next.status) || next.cumQty >= next.orderQty) next.leavesQty = 0n;
  else if (next.cumQty !== order.cumQty || next.orderQty !== order.orderQty)
    next.leavesQty = next.orderQty - next.cumQty;
  // else: the quantities did not move and the working order's LeavesQty stands (no new bigint).
  return Object.freeze({
    event,
    trigger,
    execType: rule.execType,
    before: order,
    after: Object.freeze(next),
  });
}

/** The status the quantities imply once no request is pending. */
export function statusByQuantity(
  o: Pick<Order, 'cumQty' | 'orderQty' | 'acknowledged'>,
): tradingV1.OrdStatus {
  if (o.cumQty >= o.orderQty) return S.ORD_STATUS_FILLED;
  if (o.cumQty > 0n) return S.ORD_STATUS_PARTIALLY_FILLED;
  return o.acknowledged ? S.ORD_STATUS_NEW : S.ORD_STATUS_PENDING_NEW;
}

/** Which row of the table an event is: a fill is partial or full by the order's LeavesQty. */
export function triggerOf(order: Order, event: OrderUpdateEvent): LifecycleTrigger {
  if (event.type !== 'Fill') return event.type;
  return event.lastQty >= order.leavesQty ? 'FullFill' : 'PartialFill';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function applyFill(next: Mutable<Order>, fill: FillEvent): void {
  if (fill.lastQty <= 0n)
    throw new OrdersError('INVALID_ORDER', `fill ${fill.execId}: LastQty must be positive`);
  if (fill.lastQty > next.leavesQty) {
    throw new OrdersError(
      'OVERFILL',
      `order ${next.orderId}: fill ${fill.execId} of ${fill.lastQty} exceeds LeavesQty ${next.leavesQty}`,
    );
  }
  next.cumQty += fill.lastQty;
  next.filledNotional += fill.lastQty * fill.lastPx;
  next.avgPx = divRoundHalfAwayFromZero(next.filledNotional, next.cumQty);
}

function requireNewClOrdId(order: Order, clOrdId: string): void {
  if (typeof clOrdId !== 'string' || clOrdId.length === 0) {
    throw new OrdersError('INVALID_ORDER', 'a cancel or replace request needs its own ClOrdID');
  }
  if (clOrdId === order.clOrdId) {
    throw new OrdersError('INVALID_ORDER', `ClOrdID "${clOrdId}" is the order's current ClOrdID`);
  }
}

function replaceRequest(order: Order, r: ReplaceRequestEvent): Order['pending'] {
  requireNewClOrdId(order, r.clOrdId);
  if (typeof r.orderQty !== 'bigint' || r.orderQty <= 0n) {
    throw new OrdersError('INVALID_ORDER', 'a replace needs a positive orderQty');
  }
  if (r.orderQty < order.cumQty) {
    throw new OrdersError(
      'REPLACE_BELOW_CUM_QTY',
      `order ${order.orderId}: new OrderQty ${r.orderQty} is below CumQty ${order.cumQty}`,
    );
  }
  if (r.price !== undefined && !hasLimitPrice(order.ordType)) {
    throw new OrdersError('INVALID_ORDER', 'only limit and stop-limit orders have a price to replace');
  }
  if (r.stopPrice !== undefined && !isStopOrder(order.ordType)) {
    throw new OrdersError('INVALID_ORDER', 'only stop orders have a stop price to replace');
  }
  const timeInForce = r.timeInForce ?? order.timeInForce;
  const expireTimeMicros = r.expireTimeMicros ?? order.expireTimeMicros;
  if (timeInForce === tradingV1.TimeInForce.TIME_IN_FORCE_GTD && expireTimeMicros <= 0n) {
    throw new OrdersError('INVALID_ORDER', 'a GTD order needs expireTimeMicros');
  }
  return Object.freeze({
    kind: 'replace',
    clOrdId: r.clOrdId,
    orderQty: r.orderQty,
    price: r.price ?? order.price,
    stopPrice: r.stopPrice ?? order.stopPrice,
    timeInForce,
    expireTimeMicros,
  });
}
