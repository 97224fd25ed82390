import { decimal, rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Buying power: notional of open orders + utilisation + this order <= the account's credit limit. */
export class CreditLimitCheck implements PreTradeCheck {
  readonly control = 'CREDIT_LIMIT';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const max = ctx.limits.creditLimit;
    if (max === undefined) return undefined;
    const used = ctx.account.openNotional + ctx.account.utilisation;
    if (ctx.notional !== undefined && used + ctx.notional <= max) return undefined;
    const s = ctx.moneyScale;
    const requested = ctx.notional === undefined ? 'unknown' : decimal(ctx.notional, s);
    return rejection(
      this.control,
      ctx.limits.sources.creditLimit,
      'money',
      { limit: decimal(max, s), requested, actual: decimal(used, s) },
      ctx.notional === undefined
        ? `no reference price for ${order.instrumentId}: a market order cannot be valued against credit`
        : `credit in use ${decimal(used, s)} + order ${requested} exceeds the credit limit ${decimal(max, s)} of ${order.accountId}`,
    );
  }
}
