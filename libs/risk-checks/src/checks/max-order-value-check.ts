import { decimal, rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Bound on one order's notional, qty x price x multiplier (market orders at the assumed price). */
export class MaxOrderValueCheck implements PreTradeCheck {
  readonly control = 'MAX_ORDER_VALUE';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const max = ctx.limits.maxOrderValue;
    if (max === undefined) return undefined;
    if (ctx.notional !== undefined && ctx.notional <= max) return undefined;
    const limit = decimal(max, ctx.moneyScale);
    const source = ctx.limits.sources.maxOrderValue;
    if (ctx.notional === undefined) {
      return rejection(
        this.control,
        source,
        'money',
        { limit, requested: 'unknown', actual: 'unknown' },
        `no reference price for ${order.instrumentId}: a market order cannot be valued`,
      );
    }
    const requested = decimal(ctx.notional, ctx.moneyScale);
    return rejection(
      this.control,
      source,
      'money',
      { limit, requested, actual: requested },
      `order value ${requested} exceeds the maximum ${limit}`,
    );
  }
}
