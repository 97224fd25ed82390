import { type tradingV1 } from '@tapeline/contracts';
import { type NewOrderRequest } from './order';

/**
 * What can happen to an order. These are what the oms journals: replaying them in order through
 * `OrderStore.apply` rebuilds every order (and, through `PositionBook.applyTransition`, every
 * position). Each carries the order id the oms assigned and the time it happened, so that the
 * reducer reads no clock and replays identically.
 */
interface EventBase {
  readonly orderId: string;
  readonly atMicros: bigint;
}

export interface SubmitEvent extends EventBase {
  readonly type: 'Submit';
  readonly request: NewOrderRequest;
}
export interface AckEvent extends EventBase {
  readonly type: 'Ack';
}
export interface RejectEvent extends EventBase {
  readonly type: 'Reject';
  readonly text: string;
}
/** An execution from the venue: LastQty at LastPx (mantissas at the order's scales). */
export interface FillEvent extends EventBase {
  readonly type: 'Fill';
  /** The venue's ExecID: a repeated one is recognised and not counted twice. */
  readonly execId: string;
  readonly lastQty: bigint;
  readonly lastPx: bigint;
}
export interface CancelRequestEvent extends EventBase {
  readonly type: 'CancelRequest';
  /** The cancel request's own ClOrdID (FIX 41 carries the current one as OrigClOrdID). */
  readonly clOrdId: string;
}
export interface CancelAckEvent extends EventBase {
  readonly type: 'CancelAck';
}
export interface CancelRejectEvent extends EventBase {
  readonly type: 'CancelReject';
  readonly text: string;
}
/** Cancel/replace (FIX 35=G). Omitted fields keep their current values. */
export interface ReplaceRequestEvent extends EventBase {
  readonly type: 'ReplaceRequest';
  readonly clOrdId: string;
  readonly orderQty: bigint;
  readonly price?: bigint;
  readonly stopPrice?: bigint;
  readonly timeInForce?: tradingV1.TimeInForce;
  readonly expireTimeMicros?: bigint;
}
export interface ReplaceAckEvent extends EventBase {
  readonly type: 'ReplaceAck';
}
export interface ReplaceRejectEvent extends EventBase {
  readonly type: 'ReplaceReject';
  readonly text: string;
}
/** Cancelled by the venue without a request: IOC/FOK remainder, self-trade prevention, kill switch. */
export interface VenueCancelEvent extends EventBase {
  readonly type: 'VenueCancel';
  readonly text: string;
}
/** GTD expiry or end of day for a DAY order. */
export interface ExpireEvent extends EventBase {
  readonly type: 'Expire';
}
/** A stop order's trigger price was crossed; the oms releases it to the venue. */
export interface TriggerEvent extends EventBase {
  readonly type: 'Trigger';
  readonly lastPx: bigint;
}

export type LifecycleEvent =
  | SubmitEvent
  | AckEvent
  | RejectEvent
  | FillEvent
  | CancelRequestEvent
  | CancelAckEvent
  | CancelRejectEvent
  | ReplaceRequestEvent
  | ReplaceAckEvent
  | ReplaceRejectEvent
  | VenueCancelEvent
  | ExpireEvent
  | TriggerEvent;

/** Every event but Submit: the ones that move an existing order. */
export type OrderUpdateEvent = Exclude<LifecycleEvent, SubmitEvent>;
