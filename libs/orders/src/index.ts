export { DuplicateClOrdIdError, OrdersError, type OrdersErrorCode, TransitionRefusedError } from './errors';
export type {
  AckEvent,
  CancelAckEvent,
  CancelRejectEvent,
  CancelRequestEvent,
  ExpireEvent,
  FillEvent,
  LifecycleEvent,
  OrderUpdateEvent,
  RejectEvent,
  ReplaceAckEvent,
  ReplaceRejectEvent,
  ReplaceRequestEvent,
  SubmitEvent,
  TriggerEvent,
  VenueCancelEvent,
} from './events';
export {
  BY_QUANTITY,
  isTerminal,
  LIFECYCLE_TRIGGERS,
  type LifecycleRule,
  type LifecycleTrigger,
  lifecycleRule,
  ORDER_LIFECYCLE,
  ORDER_STATUSES,
  statusName,
} from './lifecycle';
export {
  hasLimitPrice,
  isStopOrder,
  type NewOrderRequest,
  type Order,
  type PendingRequest,
  requestFingerprint,
  validateNewOrder,
} from './order';
export { type ApplyResult, ClOrdIdRegistry, OrderStore } from './order-store';
export { type Position, PositionBook, type PositionFill, pnlFixed, unrealisedPnl } from './positions';
export { createOrder, statusByQuantity, transition, type Transition, triggerOf } from './reducer';
export { divRoundHalfAwayFromZero } from './rounding';
export { StopTrigger } from './stop-trigger';
export {
  journalRecord,
  lifecycleEventJson,
  orderJson,
  parseLifecycleEvent,
  toExecutionEvent,
  toOrderEvent,
} from './wire';
