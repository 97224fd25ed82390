// CancelOrder (FIX OrderCancelRequest): PendingCancel now, Canceled when the venue confirms. A stop
// the oms still holds is cancelled by the oms itself.
import type { Order } from '@tapeline/orders';
import { isHeldStop } from '../state/oms-state';
import { type AmendCommand, journalRequest, refuseIfNotAllowed, repeatedRequest } from './amend-requests';
import { findOrder, guard, requireAccount, type TradingContext } from './trading-context';

export class CancelOrder {
  constructor(private readonly ctx: TradingContext) {}

  async execute(cmd: AmendCommand): Promise<Order> {
    const { state, recorder, writer } = this.ctx;
    requireAccount(this.ctx.accounts, cmd.accountId);
    return this.ctx.locks.run(cmd.accountId, async () => {
      const order = findOrder(state, cmd.accountId, cmd.orderId, cmd.origClOrdId);
      const event = {
        type: 'CancelRequest',
        orderId: order.orderId,
        atMicros: this.ctx.clock(),
        clOrdId: cmd.clOrdId,
      } as const;
      const repeat = repeatedRequest(this.ctx, cmd, event);
      if (repeat) {
        await writer.durable();
        return repeat;
      }
      const request = {
        request: 'cancel',
        orderId: order.orderId,
        clOrdId: cmd.clOrdId,
        origClOrdId: order.clOrdId,
      };
      await refuseIfNotAllowed(this.ctx, cmd, order, event, request);
      journalRequest(this.ctx, cmd, order, request);
      const who = { actor: cmd.actor, requestId: cmd.requestId, source: 'oms' } as const;
      if (isHeldStop(order)) {
        guard(() => recorder.record(event, who));
        recorder.record({ type: 'CancelAck', orderId: order.orderId, atMicros: event.atMicros }, who);
      } else {
        guard(() => recorder.record(event, { ...who, command: { kind: 'cancel', clOrdId: cmd.clOrdId } }));
      }
      await writer.settled();
      return state.orders.require(order.orderId);
    });
  }
}
