// The execution venue port: the oms routes every order through one of these, whatever the venue
// is (the built-in simulated matching venue, a FIX 4.4 counterparty). A venue answers with the
// order lifecycle events of @tapeline/orders, so the oms applies venue reports exactly as it
// applies everything else, and replaying the journal reproduces them.
import type { Order, OrderUpdateEvent } from '@tapeline/orders';

/** What the oms sends: the order as it stands, plus the venue's own symbol for the instrument. */
export interface VenueOrder {
  readonly order: Order;
  readonly venueSymbol: string;
}

export interface ReplaceInstruction {
  /** The replace request's ClOrdID (the order's current one travels as OrigClOrdID). */
  readonly clOrdId: string;
  readonly orderQty: bigint;
  readonly price?: bigint;
}

export type VenueSessionState = 'connected' | 'disconnected' | 'reconnecting';

export interface VenueSink {
  /**
   * Ack, Reject, Fill (with the venue's ExecID), CancelAck, CancelReject, ReplaceAck,
   * ReplaceReject, VenueCancel, Expire for an order the oms sent. `atMicros` is the venue's
   * transact time in UTC microseconds.
   */
  onEvent(event: OrderUpdateEvent): void;
  onSessionState(venue: string, state: VenueSessionState, reason?: string): void;
  /**
   * A venue message the adapter could not turn into an event (a price off the instrument's scale,
   * an unknown ExecType, a trade bust): for alerting and manual handling. `message` is the raw
   * message ('|'-delimited for FIX).
   */
  onMalformed?(venue: string, reason: string, message: string): void;
}

export interface Venue {
  readonly name: string;
  /** When the session drops, the venue cancels this session's open orders (FIX 8013-style). */
  readonly cancelOnDisconnect: boolean;
  start(sink: VenueSink): Promise<void>;
  stop(): Promise<void>;
  /** NewOrderSingle (35=D). */
  submit(order: VenueOrder): Promise<void>;
  /** OrderCancelRequest (35=F) with a new ClOrdID. */
  cancel(order: VenueOrder, cancelClOrdId: string): Promise<void>;
  /** OrderCancelReplaceRequest (35=G). */
  replace(order: VenueOrder, replace: ReplaceInstruction): Promise<void>;
  /**
   * OrderStatusRequest (35=H) for reconciliation after a restart: the venue answers with the events
   * the oms missed (fills, cancels), each carrying its ExecID so a known one is not applied twice.
   */
  requestStatus(order: VenueOrder): Promise<void>;
}
