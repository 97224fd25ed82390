import { commonV1, tradingV1, type riskV1 } from '@tapeline/contracts';
import { rescale } from '@tapeline/fixed-point';
import type { InstrumentTable, Rejection, RiskOrder } from '@tapeline/risk-checks';
import { WIRE_CONTROL } from '../controls/control-catalog';
import { orderKey } from '../positions/position-ledger';

/** A request risk cannot judge; the message starts with the request field that is wrong. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  readonly code = 'BAD_REQUEST';
}

/**
 * The order of a CheckOrder request at the instrument's scales. Stops are judged as what they
 * become when triggered: STOP as a market order, STOP_LIMIT as a limit order at its limit price.
 * replaced_qty is not used: a replacement is judged as a whole order while its predecessor's
 * reservation lasts until the oms publishes the replace (conservative by the replaced quantity).
 */
export function riskOrderOf(
  req: riskV1.CheckOrderRequest,
  desk: string,
  instruments: InstrumentTable,
): RiskOrder {
  if (req.clOrdId === '') throw new RequestError('cl_ord_id: is required');
  if (req.accountId === '') throw new RequestError('account_id: is required');
  if (desk === '') throw new RequestError(`desk: is required (no desk known for account ${req.accountId})`);
  const instrument = instruments.find(req.instrumentId);
  if (instrument === undefined) {
    throw new RequestError(`instrument_id: "${req.instrumentId}" is not an instrument of the master`);
  }
  const side =
    req.side === commonV1.Side.SIDE_BUY ? 'BUY' : req.side === commonV1.Side.SIDE_SELL ? 'SELL' : undefined;
  if (side === undefined) throw new RequestError(`side: must be BUY or SELL, got ${req.side}`);
  const T = tradingV1.OrdType;
  const ordType =
    req.ordType === T.ORD_TYPE_MARKET || req.ordType === T.ORD_TYPE_STOP
      ? 'MARKET'
      : req.ordType === T.ORD_TYPE_LIMIT || req.ordType === T.ORD_TYPE_STOP_LIMIT
        ? 'LIMIT'
        : undefined;
  if (ordType === undefined) throw new RequestError(`ord_type: must be MARKET, LIMIT, STOP or STOP_LIMIT`);
  const quantity = mantissaAt('order_qty', req.orderQty, instrument.sizeScale, instrument.instrumentId);
  if (quantity <= 0n) throw new RequestError(`order_qty: must be positive`);
  let price: bigint | undefined;
  if (ordType === 'LIMIT') {
    price = mantissaAt('price', req.price, instrument.priceScale, instrument.instrumentId);
    if (price <= 0n) throw new RequestError('price: must be positive');
  } else if (req.price != null && req.price.mantissa !== '0') {
    // gRPC gives an absent message field as null.
    throw new RequestError('price: a market or stop order carries no price');
  }
  return {
    orderId: orderKey(req.accountId, req.clOrdId),
    accountId: req.accountId,
    desk,
    instrumentId: instrument.instrumentId,
    side,
    ordType,
    quantity,
    ...(price === undefined ? {} : { price }),
  };
}

function mantissaAt(
  field: string,
  wire: commonV1.Decimal | undefined,
  scale: number,
  instrumentId: string,
): bigint {
  if (wire === undefined) throw new RequestError(`${field}: is required`);
  let mantissa: bigint;
  try {
    mantissa = BigInt(wire.mantissa);
  } catch {
    throw new RequestError(`${field}: mantissa "${wire.mantissa}" is not an integer`);
  }
  try {
    return rescale({ mantissa, scale: wire.scale }, scale).mantissa;
  } catch {
    throw new RequestError(
      `${field}: ${wire.mantissa}e-${wire.scale} does not fit ${instrumentId}'s scale ${scale}`,
    );
  }
}

/** A rejection as the contract carries it: the wire control name and its figures as decimal strings. */
export function rejectionToProto(r: Rejection): riskV1.RiskRejection {
  return {
    control: WIRE_CONTROL[r.control],
    message: r.message,
    figures: { limit: r.limit, requested: r.requested, actual: r.actual, scope: r.source, unit: r.unit },
  };
}
