import { decimal, rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/** Same account, instrument, side, quantity and price as an order accepted within the window. */
export class DuplicateOrderCheck implements PreTradeCheck {
  readonly control = 'DUPLICATE_ORDER';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const window = ctx.limits.duplicateWindowMicros;
    if (window === undefined || ctx.duplicateKey === undefined) return undefined;
    const until = ctx.duplicates.activeUntil(ctx.duplicateKey, ctx.nowMicros);
    if (until === undefined) return undefined;
    const ago = ctx.nowMicros - (until - window);
    const qty = decimal(order.quantity, ctx.instrument.sizeScale);
    return rejection(
      this.control,
      ctx.limits.sources.duplicateWindowMicros,
      'count',
      { limit: '0', requested: '1', actual: '1' },
      `same ${order.side} ${qty} ${order.instrumentId} @ ${order.price === undefined ? 'MKT' : decimal(order.price, ctx.instrument.priceScale)} ` +
        `accepted ${ago} µs ago, within the ${window} µs duplicate window`,
    );
  }
}
