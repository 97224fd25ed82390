import { rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Blocks every new order while a kill switch covers the account, its desk or everyone. */
export class KillSwitchCheck implements PreTradeCheck {
  readonly control = 'KILL_SWITCH';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const scope = ctx.killSwitches.blocking(order.accountId, order.desk);
    if (scope === undefined) return undefined;
    return rejection(
      this.control,
      scope,
      'flag',
      { limit: 'disengaged', requested: 'new order', actual: 'engaged' },
      `kill switch engaged for ${scope}: new orders are blocked`,
    );
  }
}
