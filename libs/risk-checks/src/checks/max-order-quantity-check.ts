import { decimal, rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Fat-finger bound on one order's quantity. */
export class MaxOrderQuantityCheck implements PreTradeCheck {
  readonly control = 'MAX_ORDER_QUANTITY';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const max = ctx.limits.maxOrderQuantity;
    if (max === undefined || order.quantity <= max) return undefined;
    const scale = ctx.instrument.sizeScale;
    const [limit, requested] = [decimal(max, scale), decimal(order.quantity, scale)];
    return rejection(
      this.control,
      ctx.limits.sources.maxOrderQuantity,
      'quantity',
      { limit, requested, actual: requested },
      `order quantity ${requested} exceeds the maximum ${limit} for ${order.instrumentId}`,
    );
  }
}
