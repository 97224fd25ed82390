// SubmitOrder: idempotent on (account, ClOrdID); every accepted request is checked by risk, and
// the request, the risk decision and the new order are journaled together (one log write) before
// the order goes to an external venue or the caller hears back.
import { tradingV1, type riskV1 } from '@tapeline/contracts';
import { formatFixed, toWireDecimal, type FixedPoint } from '@tapeline/fixed-point';
import { isStopOrder, validateNewOrder, type NewOrderRequest, type Order } from '@tapeline/orders';
import { OmsError } from '../errors';
import type { InstrumentSpec } from '../instruments/instrument-catalog';
import {
  checkPrice,
  checkQuantity,
  decisionDocument,
  guard,
  orderEntry,
  ordTypeName,
  rejectionText,
  requireAccount,
  sideName,
  tifName,
  type Requester,
  type TradingContext,
} from './trading-context';

export interface NewOrderCommand extends Requester {
  readonly accountId: string;
  readonly clOrdId: string;
  readonly instrumentId: string;
  readonly side: NewOrderRequest['side'];
  readonly ordType: tradingV1.OrdType;
  readonly timeInForce: tradingV1.TimeInForce;
  readonly orderQty: FixedPoint;
  readonly price?: FixedPoint;
  readonly stopPrice?: FixedPoint;
  readonly expireTimeMicros?: bigint;
}

export interface SubmitOrderResult {
  readonly order: Order;
  readonly duplicate: boolean;
  readonly rejections: readonly riskV1.RiskRejection[];
}

const { ORD_TYPE_MARKET, ORD_TYPE_LIMIT, ORD_TYPE_STOP, ORD_TYPE_STOP_LIMIT } = tradingV1.OrdType;

export class SubmitOrder {
  constructor(private readonly ctx: TradingContext) {}

  async execute(cmd: NewOrderCommand): Promise<SubmitOrderResult> {
    const { state, writer, recorder, locks } = this.ctx;
    if (!cmd.clOrdId) throw new OmsError('INVALID_ARGUMENT', 'cl_ord_id is required');
    const account = requireAccount(this.ctx.accounts, cmd.accountId);
    const instrument = await this.ctx.instruments.get(cmd.instrumentId);
    if (!instrument.active)
      throw new OmsError('FAILED_PRECONDITION', `instrument ${cmd.instrumentId} is not active`);
    const request = newOrderRequest(cmd, account.desk, instrument);

    // The account's lock covers the checks and the state change (its entries are chained at once),
    // not the wait for the log write: the account's next order is checked while this one's entries
    // are being made durable, and the caller still hears back only once they are.
    const outcome = await locks.run<
      { repeat: Order } | { orderId: string; rejections: readonly riskV1.RiskRejection[] }
    >(cmd.accountId, async () => {
      const existing = guard(() => state.orders.findSubmission(request));
      if (existing) return { repeat: existing };
      guard(() => validateNewOrder(state.nextOrderId(), request));
      const venue = this.ctx.router.route(cmd.accountId, cmd.instrumentId);
      if (!this.ctx.venues.has(venue)) throw new OmsError('UNAVAILABLE', `venue ${venue} is not available`);
      const venueSymbol = instrument.venueSymbols.get(venue);
      if (!venueSymbol) {
        throw new OmsError('FAILED_PRECONDITION', `${cmd.instrumentId} has no symbol on venue ${venue}`);
      }
      const check = await this.ctx.risk.checkOrder(riskCheck(request));

      // The id is taken after the await: submits of other accounts (other locks) may have created
      // orders meanwhile, and from here to the Submit below nothing yields.
      const orderId = state.nextOrderId();
      const now = this.ctx.clock();
      state.registerRoute(orderId, cmd.instrumentId, {
        venue,
        venueSymbol,
        currency: instrument.currency,
        multiplier: instrument.multiplier,
      });
      state.noteRequest(orderId, cmd.requestId);
      const subject = { orderId, accountId: cmd.accountId, instrumentId: cmd.instrumentId };
      writer.append(
        orderEntry(
          cmd,
          subject,
          'order.request',
          requestDocument(cmd, request, orderId, venue, venueSymbol, instrument),
        ),
      );
      writer.append(orderEntry(cmd, subject, 'risk.decision', decisionDocument(check)));
      const stop = isStopOrder(request.ordType);
      const who = { actor: cmd.actor, requestId: cmd.requestId, source: 'oms' } as const;
      recorder.record(
        { type: 'Submit', orderId, atMicros: now, request },
        { ...who, ...(check.accepted && !stop ? { command: { kind: 'submit' } } : {}) },
      );
      if (!check.accepted) {
        recorder.record(
          { type: 'Reject', orderId, atMicros: now, text: rejectionText(check.rejections) },
          who,
        );
      } else if (stop) {
        // A stop waits in the oms (StopTrigger) until the market trades through its stop price.
        recorder.record({ type: 'Ack', orderId, atMicros: now }, who);
      }
      return { orderId, rejections: check.rejections };
    });
    if ('repeat' in outcome) {
      // Its original may still be on its way to the log.
      await writer.durable();
      return { order: outcome.repeat, duplicate: true, rejections: [] };
    }
    await writer.settled();
    return {
      order: state.orders.require(outcome.orderId),
      duplicate: false,
      rejections: outcome.rejections,
    };
  }
}

/** The request at the instrument's scales, checked against its tick and lot sizes. */
function newOrderRequest(cmd: NewOrderCommand, desk: string, instrument: InstrumentSpec): NewOrderRequest {
  const limit = cmd.ordType === ORD_TYPE_LIMIT || cmd.ordType === ORD_TYPE_STOP_LIMIT;
  const stop = cmd.ordType === ORD_TYPE_STOP || cmd.ordType === ORD_TYPE_STOP_LIMIT;
  if (limit && !cmd.price)
    throw new OmsError('INVALID_ARGUMENT', 'price is required for LIMIT and STOP_LIMIT orders');
  if (!limit && cmd.price && cmd.price.mantissa !== 0n) {
    throw new OmsError('INVALID_ARGUMENT', 'price is only allowed on LIMIT and STOP_LIMIT orders');
  }
  if (stop && !cmd.stopPrice)
    throw new OmsError('INVALID_ARGUMENT', 'stop_price is required for STOP and STOP_LIMIT orders');
  if (cmd.timeInForce === tradingV1.TimeInForce.TIME_IN_FORCE_GTD && !cmd.expireTimeMicros) {
    throw new OmsError('INVALID_ARGUMENT', 'expire_time is required for GTD orders');
  }
  return {
    clOrdId: cmd.clOrdId,
    accountId: cmd.accountId,
    desk,
    instrumentId: cmd.instrumentId,
    side: cmd.side,
    ordType: cmd.ordType,
    timeInForce: cmd.timeInForce,
    priceScale: instrument.priceScale,
    sizeScale: instrument.sizeScale,
    orderQty: checkQuantity(cmd.orderQty, instrument),
    ...(limit && cmd.price ? { price: checkPrice(cmd.price, instrument) } : {}),
    ...(stop && cmd.stopPrice ? { stopPrice: checkPrice(cmd.stopPrice, instrument, 'stop_price') } : {}),
    ...(cmd.expireTimeMicros ? { expireTimeMicros: cmd.expireTimeMicros } : {}),
  };
}

/**
 * Risk judges what reaches the venue: a stop is checked as the market (STOP) or limit
 * (STOP_LIMIT) order it becomes once triggered.
 */
export type RiskTerms = Pick<
  NewOrderRequest,
  | 'accountId'
  | 'desk'
  | 'instrumentId'
  | 'side'
  | 'ordType'
  | 'clOrdId'
  | 'priceScale'
  | 'sizeScale'
  | 'orderQty'
> & { readonly price?: bigint };

export function riskCheck(t: RiskTerms, replacedQty?: bigint): riskV1.CheckOrderRequest {
  const ordType =
    t.ordType === ORD_TYPE_STOP
      ? ORD_TYPE_MARKET
      : t.ordType === ORD_TYPE_STOP_LIMIT
        ? ORD_TYPE_LIMIT
        : t.ordType;
  return {
    accountId: t.accountId,
    desk: t.desk,
    instrumentId: t.instrumentId,
    side: t.side,
    ordType,
    orderQty: toWireDecimal({ mantissa: t.orderQty, scale: t.sizeScale }),
    price:
      ordType === ORD_TYPE_LIMIT && t.price !== undefined
        ? toWireDecimal({ mantissa: t.price, scale: t.priceScale })
        : undefined,
    clOrdId: t.clOrdId,
    replacedQty:
      replacedQty === undefined ? undefined : toWireDecimal({ mantissa: replacedQty, scale: t.sizeScale }),
  };
}

function requestDocument(
  cmd: NewOrderCommand,
  r: NewOrderRequest,
  orderId: string,
  venue: string,
  venueSymbol: string,
  instrument: InstrumentSpec,
) {
  const price = (m: bigint | undefined) =>
    m === undefined ? '' : formatFixed({ mantissa: m, scale: r.priceScale });
  return {
    request: 'new',
    orderId,
    clOrdId: r.clOrdId,
    desk: r.desk,
    side: sideName(r.side),
    ordType: ordTypeName(r.ordType),
    timeInForce: tifName(r.timeInForce),
    orderQty: formatFixed({ mantissa: r.orderQty, scale: r.sizeScale }),
    price: price(r.price),
    stopPrice: price(r.stopPrice),
    expireTimeMicros: (cmd.expireTimeMicros ?? 0n).toString(),
    priceScale: r.priceScale,
    sizeScale: r.sizeScale,
    venue,
    venueSymbol,
    currency: instrument.currency,
    multiplier: instrument.multiplier.toString(),
  };
}
