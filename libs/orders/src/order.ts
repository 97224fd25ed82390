import { commonV1, tradingV1 } from '@tapeline/contracts';
import { OrdersError } from './errors';

/** What an order is: whose, on what, which way, how. */
export interface OrderTerms {
  readonly clOrdId: string;
  readonly accountId: string;
  readonly desk: string;
  readonly instrumentId: string;
  readonly side: commonV1.Side;
  readonly ordType: tradingV1.OrdType;
  readonly timeInForce: tradingV1.TimeInForce;
  /** Scales of the instrument: prices are mantissas at priceScale, quantities at sizeScale. */
  readonly priceScale: number;
  readonly sizeScale: number;
}

/** A new order as the oms accepts it. Times are UTC microseconds since the epoch. */
export interface NewOrderRequest extends OrderTerms {
  readonly orderQty: bigint;
  /** Limit price: LIMIT and STOP_LIMIT only. */
  readonly price?: bigint;
  /** Stop price: STOP and STOP_LIMIT only. */
  readonly stopPrice?: bigint;
  /** GTD only. */
  readonly expireTimeMicros?: bigint;
  readonly text?: string;
}

/** A cancel or replace sent to the venue and not yet answered. */
export type PendingRequest =
  | { readonly kind: 'cancel'; readonly clOrdId: string }
  | {
      readonly kind: 'replace';
      readonly clOrdId: string;
      readonly orderQty: bigint;
      readonly price: bigint;
      readonly stopPrice: bigint;
      readonly timeInForce: tradingV1.TimeInForce;
      readonly expireTimeMicros: bigint;
    };

/**
 * One immutable version of an order; every transition makes the next version. `clOrdId` is the
 * ClOrdID in force (it changes on an acknowledged cancel or replace) and `timeInForce` may change
 * on a replace.
 */
export interface Order extends OrderTerms {
  readonly orderId: string;
  /** The ClOrdID it replaced, '' for the original. */
  readonly origClOrdId: string;
  /** 0n for market and stop (market) orders. */
  readonly price: bigint;
  /** 0n unless STOP or STOP_LIMIT. */
  readonly stopPrice: bigint;
  readonly orderQty: bigint;
  readonly cumQty: bigint;
  /** OrderQty - CumQty while the order works; 0 once it is done (FIX 151). */
  readonly leavesQty: bigint;
  /** At priceScale, rounded half away from zero from `filledNotional / cumQty`. */
  readonly avgPx: bigint;
  /** Exact sum of LastQty x LastPx, at priceScale + sizeScale: AvgPx never drifts. */
  readonly filledNotional: bigint;
  readonly status: tradingV1.OrdStatus;
  /** The venue (or the oms, for stops it holds) has acknowledged the order. */
  readonly acknowledged: boolean;
  /** A stop order that has been released to the venue. */
  readonly triggered: boolean;
  /** 1 for the first version, +1 per transition. */
  readonly version: number;
  readonly expireTimeMicros: bigint;
  readonly transactTimeMicros: bigint;
  readonly text: string;
  readonly pending: PendingRequest | null;
}

const { ORD_TYPE_MARKET, ORD_TYPE_LIMIT, ORD_TYPE_STOP, ORD_TYPE_STOP_LIMIT } = tradingV1.OrdType;

export function isStopOrder(ordType: tradingV1.OrdType): boolean {
  return ordType === ORD_TYPE_STOP || ordType === ORD_TYPE_STOP_LIMIT;
}

export function hasLimitPrice(ordType: tradingV1.OrdType): boolean {
  return ordType === ORD_TYPE_LIMIT || ordType === ORD_TYPE_STOP_LIMIT;
}

function invalid(message: string): never {
  throw new OrdersError('INVALID_ORDER', message);
}

/** Checks a new order field by field; names the first thing that is wrong. Allocates nothing when valid. */
export function validateNewOrder(orderId: string, r: NewOrderRequest): void {
  requireId('orderId', orderId);
  requireId('clOrdId', r.clOrdId);
  requireId('accountId', r.accountId);
  requireId('instrumentId', r.instrumentId);
  if (typeof r.desk !== 'string') invalid('desk must be a string');
  if (r.side !== commonV1.Side.SIDE_BUY && r.side !== commonV1.Side.SIDE_SELL) {
    invalid(`side ${String(r.side)} is not BUY or SELL`);
  }
  const t = r.ordType;
  if (t !== ORD_TYPE_MARKET && t !== ORD_TYPE_LIMIT && t !== ORD_TYPE_STOP && t !== ORD_TYPE_STOP_LIMIT) {
    invalid(`order type ${String(r.ordType)} is not MARKET, LIMIT, STOP or STOP_LIMIT`);
  }
  if (!(r.timeInForce >= 1 && r.timeInForce <= 5))
    invalid(`time in force ${String(r.timeInForce)} is not supported`);
  requireScale('priceScale', r.priceScale);
  requireScale('sizeScale', r.sizeScale);
  if (typeof r.orderQty !== 'bigint' || r.orderQty <= 0n)
    invalid('orderQty must be a positive bigint mantissa');
  if (hasLimitPrice(r.ordType)) {
    if (typeof r.price !== 'bigint') invalid('a limit or stop-limit order needs a price');
  } else if (r.price !== undefined && r.price !== 0n) {
    invalid('a market or stop order carries no limit price');
  }
  if (isStopOrder(r.ordType)) {
    if (typeof r.stopPrice !== 'bigint') invalid('a stop or stop-limit order needs a stopPrice');
  } else if (r.stopPrice !== undefined && r.stopPrice !== 0n) {
    invalid('only stop and stop-limit orders carry a stopPrice');
  }
  if (r.timeInForce === tradingV1.TimeInForce.TIME_IN_FORCE_GTD) {
    if (typeof r.expireTimeMicros !== 'bigint' || r.expireTimeMicros <= 0n) {
      invalid('a GTD order needs expireTimeMicros');
    }
  }
}

function requireId(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) invalid(`${name} must be a non-empty string`);
}

function requireScale(name: string, scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > 18)
    invalid(`${name} must be an integer 0..18, got ${scale}`);
}

/**
 * The content of a request that a repeated ClOrdID must match to count as the same request:
 * everything but the ids and times the oms assigns.
 */
export function requestFingerprint(r: NewOrderRequest): string {
  return [
    'new',
    r.desk,
    r.instrumentId,
    r.side,
    r.ordType,
    r.timeInForce,
    r.priceScale,
    r.sizeScale,
    r.orderQty,
    r.price ?? 0n,
    r.stopPrice ?? 0n,
    r.expireTimeMicros ?? 0n,
  ].join('|');
}
