// FIX 4.4 order messages <-> the oms's orders. Prices and quantities go on the wire as decimal
// strings at the instrument's scales (never through a float) and come back through the same scales.
// No jspurefix import at run time: building and reading bodies stays cheap.

import { commonV1, tradingV1 } from '@tapeline/contracts';
import { formatFixed, toMantissa } from '@tapeline/fixed-point';
import type { Order } from '@tapeline/orders';
import type { MsgView } from 'jspurefix';
import { describeError, VenueError } from '../errors';
import type { ReplaceInstruction } from '../venue';

export const NEW_ORDER_SINGLE = 'D';
export const ORDER_CANCEL_REQUEST = 'F';
export const ORDER_CANCEL_REPLACE_REQUEST = 'G';
export const ORDER_STATUS_REQUEST = 'H';
export const EXECUTION_REPORT = '8';
export const ORDER_CANCEL_REJECT = '9';

/** ExecType (150) values of FIX 4.4 (plus the FIX 4.2 fills, which some venues still send). */
export const ExecType = {
  New: '0',
  PartialFill42: '1',
  Fill42: '2',
  DoneForDay: '3',
  Canceled: '4',
  Replaced: '5',
  PendingCancel: '6',
  Stopped: '7',
  Rejected: '8',
  Suspended: '9',
  PendingNew: 'A',
  Calculated: 'B',
  Expired: 'C',
  Restated: 'D',
  PendingReplace: 'E',
  Trade: 'F',
  TradeCorrect: 'G',
  TradeCancel: 'H',
  OrderStatus: 'I',
} as const;

/** OrdStatus (39). */
export const OrdStatus = {
  New: '0',
  PartiallyFilled: '1',
  Filled: '2',
  Canceled: '4',
  Rejected: '8',
  Expired: 'C',
} as const;

const SIDE: Record<number, string> = { [commonV1.Side.SIDE_BUY]: '1', [commonV1.Side.SIDE_SELL]: '2' };
const ORD_TYPE: Record<number, string> = {
  [tradingV1.OrdType.ORD_TYPE_MARKET]: '1',
  [tradingV1.OrdType.ORD_TYPE_LIMIT]: '2',
  [tradingV1.OrdType.ORD_TYPE_STOP]: '3',
  [tradingV1.OrdType.ORD_TYPE_STOP_LIMIT]: '4',
};
const TIME_IN_FORCE: Record<number, string> = {
  [tradingV1.TimeInForce.TIME_IN_FORCE_DAY]: '0',
  [tradingV1.TimeInForce.TIME_IN_FORCE_GTC]: '1',
  [tradingV1.TimeInForce.TIME_IN_FORCE_IOC]: '3',
  [tradingV1.TimeInForce.TIME_IN_FORCE_FOK]: '4',
  [tradingV1.TimeInForce.TIME_IN_FORCE_GTD]: '6',
};

function code(table: Record<number, string>, field: string, value: number): string {
  const wire = table[value];
  if (wire === undefined) throw new VenueError('INVALID_COMMAND', `${field} ${value} has no FIX 4.4 value`);
  return wire;
}

const price = (mantissa: bigint, o: Order) => formatFixed({ mantissa, scale: o.priceScale });
const qty = (mantissa: bigint, o: Order) => formatFixed({ mantissa, scale: o.sizeScale });
const utc = (micros: bigint) => new Date(Number(micros / 1000n));

/** Price (44), StopPx (99), TimeInForce (59) and ExpireTime (126) of an order, as they apply. */
function terms(o: Order, limitPrice: bigint): object {
  const { ORD_TYPE_LIMIT, ORD_TYPE_STOP_LIMIT, ORD_TYPE_STOP } = tradingV1.OrdType;
  return {
    OrdType: code(ORD_TYPE, 'order type', o.ordType),
    ...(o.ordType === ORD_TYPE_LIMIT || o.ordType === ORD_TYPE_STOP_LIMIT
      ? { Price: price(limitPrice, o) }
      : {}),
    ...(o.ordType === ORD_TYPE_STOP || o.ordType === ORD_TYPE_STOP_LIMIT
      ? { StopPx: price(o.stopPrice, o) }
      : {}),
    TimeInForce: code(TIME_IN_FORCE, 'time in force', o.timeInForce),
    ...(o.timeInForce === tradingV1.TimeInForce.TIME_IN_FORCE_GTD
      ? { ExpireTime: utc(o.expireTimeMicros) }
      : {}),
  };
}

export function newOrderSingle(o: Order, symbol: string, transactMicros: bigint): object {
  return {
    ClOrdID: o.clOrdId,
    Account: o.accountId,
    HandlInst: '1', // automated, no broker intervention
    Instrument: { Symbol: symbol },
    Side: code(SIDE, 'side', o.side),
    TransactTime: utc(transactMicros),
    OrderQtyData: { OrderQty: qty(o.orderQty, o) },
    ...terms(o, o.price),
  };
}

export function orderCancelRequest(
  o: Order,
  symbol: string,
  clOrdId: string,
  venueOrderId: string | undefined,
  transactMicros: bigint,
): object {
  return {
    OrigClOrdID: o.clOrdId,
    ...(venueOrderId ? { OrderID: venueOrderId } : {}),
    ClOrdID: clOrdId,
    Account: o.accountId,
    Instrument: { Symbol: symbol },
    Side: code(SIDE, 'side', o.side),
    TransactTime: utc(transactMicros),
    OrderQtyData: { OrderQty: qty(o.orderQty, o) },
  };
}

export function orderCancelReplaceRequest(
  o: Order,
  symbol: string,
  r: ReplaceInstruction,
  venueOrderId: string | undefined,
  transactMicros: bigint,
): object {
  return {
    ...(venueOrderId ? { OrderID: venueOrderId } : {}),
    OrigClOrdID: o.clOrdId,
    ClOrdID: r.clOrdId,
    Account: o.accountId,
    HandlInst: '1',
    Instrument: { Symbol: symbol },
    Side: code(SIDE, 'side', o.side),
    TransactTime: utc(transactMicros),
    OrderQtyData: { OrderQty: qty(r.orderQty, o) },
    ...terms(o, r.price ?? o.price),
  };
}

export function orderStatusRequest(o: Order, symbol: string, reqId: string, venueOrderId?: string): object {
  return {
    ...(venueOrderId ? { OrderID: venueOrderId } : {}),
    ClOrdID: o.clOrdId,
    OrdStatusReqID: reqId,
    Instrument: { Symbol: symbol },
    Side: code(SIDE, 'side', o.side),
  };
}

/** The fields of an ExecutionReport (8) or OrderCancelReject (9) the adapter reads, copied out of the view. */
export interface VenueReport {
  readonly msgType: string;
  readonly seqNum: number;
  readonly possDup: boolean;
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly venueOrderId: string;
  readonly execId: string;
  readonly execType: string;
  readonly ordStatus: string;
  readonly lastQty: string | null;
  readonly lastPx: string | null;
  readonly cumQty: string | null;
  readonly avgPx: string | null;
  readonly transactTime: string | null;
  readonly cxlRejResponseTo: string;
  readonly text: string;
  /** The message as received ('|'-delimited), for reporting. */
  readonly raw: string;
}

export function readReport(msgType: string, view: MsgView, raw: string): VenueReport {
  const s = (tag: number) => view.getString(tag);
  return {
    msgType,
    seqNum: Number(s(34)),
    possDup: s(43) === 'Y',
    clOrdId: s(11) ?? '',
    origClOrdId: s(41) ?? '',
    venueOrderId: s(37) ?? '',
    execId: s(17) ?? '',
    execType: s(150) ?? '',
    ordStatus: s(39) ?? '',
    lastQty: s(32),
    lastPx: s(31),
    cumQty: s(14),
    avgPx: s(6),
    transactTime: s(60),
    cxlRejResponseTo: s(434) ?? '',
    text: s(58) ?? '',
    raw,
  };
}

/** A decimal string from the venue -> mantissa at the order's scale; names the field when it does not fit. */
export function mantissa(field: string, text: string | null, scale: number): bigint {
  if (text === null) throw new VenueError('MALFORMED_REPORT', `${field} is missing`);
  try {
    return toMantissa(text, scale);
  } catch (err) {
    throw new VenueError('MALFORMED_REPORT', `${field} "${text}": ${describeError(err)}`);
  }
}
