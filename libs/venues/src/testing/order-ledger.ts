// Test support (not exported from the package): the oms side of a venue, reduced to the real
// order state machine. Every venue event is applied to an @tapeline/orders OrderStore, so a test
// fails when a venue answers in an order the lifecycle refuses (a fill before its replace ack, a
// cancel ack without a pending cancel, an overfill).
import { commonV1, tradingV1 } from '@tapeline/contracts';
import {
  type LifecycleEvent,
  type NewOrderRequest,
  type Order,
  OrderStore,
  type OrderUpdateEvent,
} from '@tapeline/orders';
import type { ReplaceInstruction, Venue, VenueOrder, VenueSessionState, VenueSink } from '../venue';

export const BUY = commonV1.Side.SIDE_BUY;
export const SELL = commonV1.Side.SIDE_SELL;
export const LIMIT = tradingV1.OrdType.ORD_TYPE_LIMIT;
export const MARKET = tradingV1.OrdType.ORD_TYPE_MARKET;
export const TIF = tradingV1.TimeInForce;
export const STATUS = tradingV1.OrdStatus;

export function request(overrides: Partial<NewOrderRequest> = {}): NewOrderRequest {
  return {
    clOrdId: 'c1',
    accountId: 'acc-1',
    desk: 'rates',
    instrumentId: 'XS0001',
    side: BUY,
    ordType: LIMIT,
    timeInForce: TIF.TIME_IN_FORCE_GTC,
    priceScale: 2,
    sizeScale: 0,
    orderQty: 10n,
    price: 10000n,
    ...overrides,
  };
}

export class OrderLedger implements VenueSink {
  readonly store = new OrderStore();
  /** Venue events, as received. */
  readonly events: OrderUpdateEvent[] = [];
  /** Everything applied to the store, oms requests included: the oms journal. */
  readonly journal: LifecycleEvent[] = [];
  readonly states: { venue: string; state: VenueSessionState; reason?: string }[] = [];
  /** Refusals of the state machine: each is a venue answer out of order. */
  readonly refused: { event: OrderUpdateEvent; error: string }[] = [];
  private orders = 0;
  private requests = 0;

  constructor(
    private readonly venue: Venue,
    private readonly clock: () => bigint = () => 1_000n,
  ) {}

  onEvent(event: OrderUpdateEvent): void {
    this.events.push(event);
    try {
      this.apply(event);
    } catch (err) {
      this.refused.push({ event, error: err instanceof Error ? err.message : String(err) });
    }
  }

  onSessionState(venue: string, state: VenueSessionState, reason?: string): void {
    this.states.push(reason === undefined ? { venue, state } : { venue, state, reason });
  }

  /** Journals a Submit (creates the order) and sends it; returns the order id. */
  async submit(overrides: Partial<NewOrderRequest> = {}, orderId = `o${++this.orders}`): Promise<string> {
    const req = request({ clOrdId: `${orderId}-c`, ...overrides });
    this.apply({ type: 'Submit', orderId, atMicros: this.clock(), request: req });
    await this.venue.submit(this.venueOrder(orderId));
    return orderId;
  }

  async cancel(orderId: string, clOrdId = `${orderId}-x${++this.requests}`): Promise<void> {
    this.apply({ type: 'CancelRequest', orderId, atMicros: this.clock(), clOrdId });
    await this.venue.cancel(this.venueOrder(orderId), clOrdId);
  }

  async replace(orderId: string, orderQty: bigint, price?: bigint): Promise<ReplaceInstruction> {
    const clOrdId = `${orderId}-r${++this.requests}`;
    const instruction: ReplaceInstruction =
      price === undefined ? { clOrdId, orderQty } : { clOrdId, orderQty, price };
    this.apply({ type: 'ReplaceRequest', orderId, atMicros: this.clock(), ...instruction });
    await this.venue.replace(this.venueOrder(orderId), instruction);
    return instruction;
  }

  apply(event: LifecycleEvent): void {
    this.store.apply(event);
    this.journal.push(event);
  }

  order(orderId: string): Order {
    return this.store.require(orderId);
  }

  venueOrder(orderId: string, venueSymbol = 'SYM'): VenueOrder {
    return { order: this.order(orderId), venueSymbol };
  }

  /** The events of one order as compact strings: "Ack", "Fill 4@10000", "VenueCancel". */
  trail(orderId: string): string[] {
    return this.events.filter((e) => e.orderId === orderId).map(describe);
  }
}

export function describe(e: OrderUpdateEvent): string {
  return e.type === 'Fill' ? `Fill ${e.lastQty}@${e.lastPx}` : e.type;
}
