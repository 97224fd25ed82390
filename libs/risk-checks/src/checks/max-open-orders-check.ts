import { rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Bound on the number of orders an account has working. */
export class MaxOpenOrdersCheck implements PreTradeCheck {
  readonly control = 'MAX_OPEN_ORDERS';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const max = ctx.limits.maxOpenOrders;
    const open = ctx.account.openOrders;
    if (max === undefined || open < max) return undefined;
    return rejection(
      this.control,
      ctx.limits.sources.maxOpenOrders,
      'count',
      { limit: String(max), requested: '1', actual: String(open) },
      `${order.accountId} already has ${open} open orders; at most ${max} allowed`,
    );
  }
}
