// Everything the oms holds in memory, folded from lifecycle events: orders (libs/orders), positions,
// armed stops, execution reports, and where each order was routed. The live path and the restart
// replay apply events through the same `apply`, so a rebuild reaches exactly the same state.
import type { eventsV1 } from '@tapeline/contracts';
import {
  isStopOrder,
  isTerminal,
  OrderStore,
  PositionBook,
  StopTrigger,
  toExecutionEvent,
  type LifecycleEvent,
  type Order,
  type Position,
  type Transition,
} from '@tapeline/orders';

/** Where an order was routed and on what instrument terms; journaled with the new-order request. */
export interface OrderRoute {
  readonly venue: string;
  readonly venueSymbol: string;
  readonly currency: string;
  readonly multiplier: bigint;
}

export interface Applied {
  readonly transition: Transition;
  readonly execution: eventsV1.ExecutionEvent;
  /** Set when the event was a fill. */
  readonly position: Position | undefined;
}

export class OmsState {
  readonly orders = new OrderStore();
  readonly positions = new PositionBook();
  readonly stops = new StopTrigger();
  /** Every execution report, in the order they happened. */
  readonly executions: eventsV1.ExecutionEvent[] = [];
  /** Last trade price per instrument (price-scale mantissa): the mark of unrealised P&L. */
  readonly marks = new Map<string, bigint>();
  /** Order ids in creation order, and when each was created (UTC micros). */
  readonly created: string[] = [];
  readonly createdAt = new Map<string, bigint>();
  private readonly routes = new Map<string, OrderRoute>();
  private readonly currencies = new Map<string, string>();
  private readonly priceScales = new Map<string, number>();
  /** Latest request id per order: venue reports are journaled under the request they answer. */
  private readonly lastRequest = new Map<string, string>();
  private readonly requests = new Set<string>();

  /** Deterministic: the n-th order ever created is O-n, in the live run and in a replay alike. */
  nextOrderId(): string {
    return `O-${this.created.length + 1}`;
  }

  registerRoute(orderId: string, instrumentId: string, route: OrderRoute): void {
    this.routes.set(orderId, route);
    this.currencies.set(instrumentId, route.currency);
    if (route.multiplier !== 1n)
      this.positions.defineInstrument(instrumentId, { multiplier: route.multiplier });
  }

  route(orderId: string): OrderRoute | undefined {
    return this.routes.get(orderId);
  }

  currencyOf(instrumentId: string): string {
    return this.currencies.get(instrumentId) ?? '';
  }

  /** Price scale of an instrument the oms has orders in (marks and stop prices are at it). */
  priceScaleOf(instrumentId: string): number | undefined {
    return this.priceScales.get(instrumentId);
  }

  /** Records a request id (of an order, or '' for none): a repeated alert or request is recognised. */
  noteRequest(orderId: string, requestId: string): void {
    if (orderId) this.lastRequest.set(orderId, requestId);
    this.requests.add(requestId);
  }

  hasRequest(requestId: string): boolean {
    return this.requests.has(requestId);
  }

  lastRequestOf(orderId: string): string {
    return this.lastRequest.get(orderId) ?? `order:${orderId}`;
  }

  /** Applies one event; undefined for a repeat (same ClOrdID request, same ExecID). Refusals throw. */
  apply(event: LifecycleEvent): Applied | undefined {
    const result = this.orders.apply(event);
    if (result.kind === 'duplicate') return undefined;
    const t = result.transition;
    const order = t.after;
    const route = this.routes.get(order.orderId);
    if (event.type === 'Submit') {
      this.created.push(order.orderId);
      this.createdAt.set(order.orderId, event.atMicros);
      this.priceScales.set(order.instrumentId, order.priceScale);
    }
    const position = this.positions.applyTransition(t);
    const execId = event.type === 'Fill' ? event.execId : `${order.orderId}-${order.version}`;
    const execution = toExecutionEvent(t, execId, route?.venue ?? '');
    this.executions.push(execution);
    this.trackStop(t.before, order);
    return { transition: t, execution, position };
  }

  /** A stop waits in the StopTrigger while acknowledged, untriggered and live. */
  private trackStop(before: Order | null, after: Order): void {
    if (!isStopOrder(after.ordType)) return;
    const armable = after.acknowledged && !after.triggered && !isTerminal(after.status);
    if (!armable) this.stops.disarm(after.orderId);
    else if (!this.stops.isArmed(after.orderId) || before?.stopPrice !== after.stopPrice)
      this.stops.arm(after);
  }
}

/** A stop order the oms holds itself (not yet released to its venue). */
export function isHeldStop(order: Order): boolean {
  return isStopOrder(order.ordType) && !order.triggered;
}
