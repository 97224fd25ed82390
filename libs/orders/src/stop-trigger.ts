// Stop and stop-limit orders held by the oms until the market trades through their stop price:
// a buy stop triggers on a last trade at or above its stop, a sell stop on one at or below it.
// The oms calls `onTrade` with each trade of an instrument; what it returns is released to the
// venue (a stop as a market order, a stop-limit as a limit order) after a `Trigger` event.
//
// Per instrument and side, stops sit in a sorted array with the next one to trigger at the end,
// so a trade costs O(1) when nothing triggers. Among equal stop prices the earlier order triggers
// first; several stops crossed by one trade come out nearest-the-market first.
import { commonV1, tradingV1 } from '@tapeline/contracts';
import { OrdersError } from './errors';
import { isTerminal } from './lifecycle';
import { isStopOrder, type Order } from './order';

interface ArmedStop {
  readonly orderId: string;
  readonly stopPrice: bigint;
}

interface InstrumentStops {
  /** Descending by stop price: the lowest buy stop (first to trigger) is last. */
  readonly buys: ArmedStop[];
  /** Ascending by stop price: the highest sell stop is last. */
  readonly sells: ArmedStop[];
}

export class StopTrigger {
  private readonly byInstrument = new Map<string, InstrumentStops>();
  private readonly where = new Map<string, { instrumentId: string; side: commonV1.Side }>();

  /** Rebuilds the armed stops from orders (after a restart): acknowledged, untriggered, live stops. */
  static fromOrders(orders: Iterable<Order>): StopTrigger {
    const trigger = new StopTrigger();
    for (const o of orders) {
      if (isStopOrder(o.ordType) && !o.triggered && o.acknowledged && !isTerminal(o.status)) trigger.arm(o);
    }
    return trigger;
  }

  /** Arms a stop order; re-arming the same order id moves it (after a replace of the stop price). */
  arm(order: Pick<Order, 'orderId' | 'instrumentId' | 'side' | 'ordType' | 'stopPrice'>): void {
    if (!isStopOrder(order.ordType)) {
      throw new OrdersError(
        'INVALID_ORDER',
        `order ${order.orderId} is ${tradingV1.OrdType[order.ordType]}, not a stop order`,
      );
    }
    this.disarm(order.orderId);
    let stops = this.byInstrument.get(order.instrumentId);
    if (stops === undefined) {
      stops = { buys: [], sells: [] };
      this.byInstrument.set(order.instrumentId, stops);
    }
    const buy = order.side === commonV1.Side.SIDE_BUY;
    const list = buy ? stops.buys : stops.sells;
    // Walk from the trigger end past every stop that triggers before this one (or ties with it).
    let i = list.length;
    while (
      i > 0 &&
      (buy ? list[i - 1]!.stopPrice <= order.stopPrice : list[i - 1]!.stopPrice >= order.stopPrice)
    ) {
      i--;
    }
    list.splice(i, 0, { orderId: order.orderId, stopPrice: order.stopPrice });
    this.where.set(order.orderId, { instrumentId: order.instrumentId, side: order.side });
  }

  /** Removes an armed stop (cancelled, replaced, expired); false when it was not armed. */
  disarm(orderId: string): boolean {
    const at = this.where.get(orderId);
    if (at === undefined) return false;
    const stops = this.byInstrument.get(at.instrumentId)!;
    const list = at.side === commonV1.Side.SIDE_BUY ? stops.buys : stops.sells;
    list.splice(
      list.findIndex((s) => s.orderId === orderId),
      1,
    );
    this.where.delete(orderId);
    return true;
  }

  /** A trade printed at `lastPx`: returns the order ids it triggers (and disarms them), in order. */
  onTrade(instrumentId: string, lastPx: bigint): string[] {
    const stops = this.byInstrument.get(instrumentId);
    const fired: string[] = [];
    if (stops === undefined) return fired;
    const { buys, sells } = stops;
    while (buys.length > 0 && buys[buys.length - 1]!.stopPrice <= lastPx) fired.push(buys.pop()!.orderId);
    while (sells.length > 0 && sells[sells.length - 1]!.stopPrice >= lastPx) fired.push(sells.pop()!.orderId);
    for (const id of fired) this.where.delete(id);
    return fired;
  }

  isArmed(orderId: string): boolean {
    return this.where.has(orderId);
  }

  get size(): number {
    return this.where.size;
  }
}
