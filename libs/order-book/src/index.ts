export { OrderBookError, type OrderBookErrorCode } from './errors';
export {
  CancelReason,
  type CancelReport,
  ExecutionLog,
  type ExecutionSink,
  type Fill,
  SubmitStatus,
  type SubmitResult,
} from './reports';
export {
  AmendStatus,
  type BookLevel,
  type BookSnapshot,
  type BookOrderRequest,
  OrderBook,
  type OrderBookOptions,
  type RestingOrderView,
  SelfTradePrevention,
} from './order-book';
