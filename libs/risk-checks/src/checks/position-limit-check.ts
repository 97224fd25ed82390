import { decimal, rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/**
 * |resulting position| <= limit, where the resulting position assumes every open order on the
 * same side fills too (position + open buys + qty for a buy; position - open sells - qty for a sell).
 */
export class PositionLimitCheck implements PreTradeCheck {
  readonly control = 'POSITION_LIMIT';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const max = ctx.limits.maxPosition;
    if (max === undefined) return undefined;
    const p = ctx.position;
    const buy = order.side === 'BUY';
    const resulting = buy
      ? p.position + p.openBuy + order.quantity
      : p.position - p.openSell - order.quantity;
    if (buy ? resulting <= max : resulting >= -max) return undefined;
    const scale = ctx.instrument.sizeScale;
    const open = buy ? p.openBuy : p.openSell;
    return rejection(
      this.control,
      ctx.limits.sources.maxPosition,
      'quantity',
      {
        limit: decimal(max, scale),
        requested: decimal(buy ? order.quantity : -order.quantity, scale),
        actual: decimal(p.position, scale),
      },
      `position ${decimal(p.position, scale)} with ${decimal(open, scale)} open on the ${order.side} side ` +
        `would reach ${decimal(resulting, scale)}; the limit is ±${decimal(max, scale)} in ${order.instrumentId}`,
    );
  }
}
