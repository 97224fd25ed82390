import { rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Refuses instruments on a restricted list of the account, its desk or the firm. */
export class RestrictedInstrumentCheck implements PreTradeCheck {
  readonly control = 'RESTRICTED_INSTRUMENT';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const list = ctx.limitBook.restrictedBy(order.accountId, order.desk, order.instrumentId);
    if (list === undefined) return undefined;
    return rejection(
      this.control,
      list,
      'flag',
      { limit: 'not restricted', requested: order.instrumentId, actual: 'restricted' },
      `${order.instrumentId} is on the restricted list of ${list}`,
    );
  }
}
