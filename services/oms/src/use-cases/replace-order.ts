// ReplaceOrder (FIX OrderCancelReplaceRequest): amend quantity and/or price under a new ClOrdID.
// Risk checks the amended order (counting only the difference to what it replaces) before it
// goes to the venue; a held stop is amended by the oms itself.
import type { riskV1 } from '@tapeline/contracts';
import { formatFixed, type FixedPoint } from '@tapeline/fixed-point';
import { hasLimitPrice, type Order, type ReplaceRequestEvent } from '@tapeline/orders';
import { OmsError } from '../errors';
import { isHeldStop } from '../state/oms-state';
import { type AmendCommand, journalRequest, refuseIfNotAllowed, repeatedRequest } from './amend-requests';
import { riskCheck } from './submit-order';
import {
  checkPrice,
  checkQuantity,
  decisionDocument,
  findOrder,
  guard,
  orderEntry,
  requireAccount,
  type TradingContext,
} from './trading-context';

export interface ReplaceCommand extends AmendCommand {
  readonly orderQty?: FixedPoint;
  readonly price?: FixedPoint;
}

export interface ReplaceOrderResult {
  readonly order: Order;
  readonly rejections: readonly riskV1.RiskRejection[];
}

export class ReplaceOrder {
  constructor(private readonly ctx: TradingContext) {}

  async execute(cmd: ReplaceCommand): Promise<ReplaceOrderResult> {
    const { state, recorder, writer } = this.ctx;
    requireAccount(this.ctx.accounts, cmd.accountId);
    if (!cmd.orderQty && !cmd.price)
      throw new OmsError('INVALID_ARGUMENT', 'a replace must set order_qty or price');
    return this.ctx.locks.run(cmd.accountId, async () => {
      const order = findOrder(state, cmd.accountId, cmd.orderId, cmd.origClOrdId);
      const instrument = await this.ctx.instruments.get(order.instrumentId);
      if (cmd.price && !hasLimitPrice(order.ordType)) {
        throw new OmsError('INVALID_ARGUMENT', 'only LIMIT and STOP_LIMIT orders have a price to replace');
      }
      const orderQty = cmd.orderQty ? checkQuantity(cmd.orderQty, instrument) : order.orderQty;
      const price = cmd.price ? checkPrice(cmd.price, instrument) : undefined;
      const event: ReplaceRequestEvent = {
        type: 'ReplaceRequest',
        orderId: order.orderId,
        atMicros: this.ctx.clock(),
        clOrdId: cmd.clOrdId,
        orderQty,
        ...(price !== undefined ? { price } : {}),
      };
      const repeat = repeatedRequest(this.ctx, cmd, event);
      if (repeat) {
        await writer.durable();
        return { order: repeat, rejections: [] };
      }
      const request = {
        request: 'replace',
        orderId: order.orderId,
        clOrdId: cmd.clOrdId,
        origClOrdId: order.clOrdId,
        orderQty: formatFixed({ mantissa: orderQty, scale: order.sizeScale }),
        price: price === undefined ? '' : formatFixed({ mantissa: price, scale: order.priceScale }),
      };
      await refuseIfNotAllowed(this.ctx, cmd, order, event, request);
      const check = await this.ctx.risk.checkOrder(
        riskCheck({ ...order, clOrdId: cmd.clOrdId, orderQty, price: price ?? order.price }, order.orderQty),
      );
      journalRequest(this.ctx, cmd, order, request);
      writer.append(orderEntry(cmd, order, 'risk.decision', decisionDocument(check)));
      if (!check.accepted) {
        await writer.durable();
        return { order: state.orders.require(order.orderId), rejections: check.rejections };
      }
      const who = { actor: cmd.actor, requestId: cmd.requestId, source: 'oms' } as const;
      if (isHeldStop(order)) {
        guard(() => recorder.record(event, who));
        recorder.record({ type: 'ReplaceAck', orderId: order.orderId, atMicros: event.atMicros }, who);
      } else {
        const command = {
          kind: 'replace',
          clOrdId: cmd.clOrdId,
          orderQty,
          ...(price !== undefined ? { price } : {}),
        } as const;
        guard(() => recorder.record(event, { ...who, command }));
      }
      await writer.settled();
      return { order: state.orders.require(order.orderId), rejections: check.rejections };
    });
  }
}
