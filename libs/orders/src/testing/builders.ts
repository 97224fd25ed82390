// Builders shared by this library's tests (not exported from the package).
import { commonV1, tradingV1 } from '@tapeline/contracts';
import { type LifecycleEvent, type OrderUpdateEvent, type SubmitEvent } from '../events';
import { type LifecycleTrigger } from '../lifecycle';
import { type NewOrderRequest, type Order } from '../order';
import { createOrder, transition } from '../reducer';

export const BUY: commonV1.Side = commonV1.Side.SIDE_BUY;
export const SELL: commonV1.Side = commonV1.Side.SIDE_SELL;
export const S = tradingV1.OrdStatus;
export const E = tradingV1.ExecType;

export function request(overrides: Partial<NewOrderRequest> = {}): NewOrderRequest {
  return {
    clOrdId: 'c1',
    accountId: 'acc-1',
    desk: 'rates',
    instrumentId: 'XS0001',
    side: BUY,
    ordType: tradingV1.OrdType.ORD_TYPE_LIMIT,
    timeInForce: tradingV1.TimeInForce.TIME_IN_FORCE_DAY,
    priceScale: 2,
    sizeScale: 0,
    orderQty: 10n,
    price: 10025n,
    ...overrides,
  };
}

export function submit(orderId = 'o1', overrides: Partial<NewOrderRequest> = {}, atMicros = 1n): SubmitEvent {
  return { type: 'Submit', orderId, atMicros, request: request(overrides) };
}

let clock = 100n;
/** The event that stands for one trigger of the table, for an order. */
export function eventFor(order: Order, trigger: LifecycleTrigger): OrderUpdateEvent {
  const base = { orderId: order.orderId, atMicros: clock++ };
  switch (trigger) {
    case 'PartialFill':
      return { ...base, type: 'Fill', execId: `x${clock}`, lastQty: 1n, lastPx: order.price };
    case 'FullFill':
      return { ...base, type: 'Fill', execId: `x${clock}`, lastQty: order.leavesQty, lastPx: order.price };
    case 'CancelRequest':
      return { ...base, type: 'CancelRequest', clOrdId: `cxl${clock}` };
    case 'ReplaceRequest':
      return { ...base, type: 'ReplaceRequest', clOrdId: `rpl${clock}`, orderQty: order.orderQty + 5n };
    case 'Reject':
    case 'CancelReject':
    case 'ReplaceReject':
    case 'VenueCancel':
      return { ...base, type: trigger, text: 'because' };
    case 'Trigger':
      return { ...base, type: 'Trigger', lastPx: order.stopPrice };
    default:
      return { ...base, type: trigger };
  }
}

export function run(order: Order, ...triggers: LifecycleTrigger[]): Order {
  return triggers.reduce((o, t) => transition(o, eventFor(o, t)).after, order);
}

/** A stop-limit buy (10 @ 100.25, stop 100.00) driven into each state through real transitions. */
export function orderIn(status: tradingV1.OrdStatus): Order {
  const fresh = createOrder(
    submit('o1', { ordType: tradingV1.OrdType.ORD_TYPE_STOP_LIMIT, stopPrice: 10000n }),
  ).after;
  switch (status) {
    case S.ORD_STATUS_PENDING_NEW:
      return fresh;
    case S.ORD_STATUS_NEW:
      return run(fresh, 'Ack');
    case S.ORD_STATUS_PARTIALLY_FILLED:
      return run(fresh, 'Ack', 'PartialFill');
    case S.ORD_STATUS_FILLED:
      return run(fresh, 'Ack', 'FullFill');
    case S.ORD_STATUS_PENDING_CANCEL:
      return run(fresh, 'Ack', 'CancelRequest');
    case S.ORD_STATUS_CANCELED:
      return run(fresh, 'Ack', 'CancelRequest', 'CancelAck');
    case S.ORD_STATUS_PENDING_REPLACE:
      return run(fresh, 'Ack', 'ReplaceRequest');
    case S.ORD_STATUS_REJECTED:
      return run(fresh, 'Reject');
    case S.ORD_STATUS_EXPIRED:
      return run(fresh, 'Ack', 'Expire');
    case S.ORD_STATUS_REPLACED:
      // Not reachable under FIX 4.4 rules (see lifecycle.ts); built by hand to prove it is terminal.
      return Object.freeze({ ...fresh, status: S.ORD_STATUS_REPLACED, leavesQty: 0n });
    default:
      throw new Error(`no builder for status ${status}`);
  }
}

export function events(...list: LifecycleEvent[]): LifecycleEvent[] {
  return list;
}
