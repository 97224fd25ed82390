import { decimal, rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { Rejection, RiskOrder } from '../model';

/**
 * Limit price within ±bps of the reference price: |price - ref| x 10000 <= ref x bps, exact in
 * integers. A market order has no price of its own: it passes when a reference exists (it is then
 * valued at the collar's upper edge). Without a reference price nothing can be judged: rejected.
 */
export class PriceCollarCheck implements PreTradeCheck {
  readonly control = 'PRICE_COLLAR';

  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const bps = ctx.limits.priceCollarBps;
    if (bps === undefined) return undefined;
    const ref = ctx.instrument.referencePrice;
    const scale = ctx.instrument.priceScale;
    const source = ctx.limits.sources.priceCollarBps;
    if (ref === undefined) {
      const requested = order.price === undefined ? 'MKT' : decimal(order.price, scale);
      return rejection(
        this.control,
        source,
        'price',
        { limit: `±${bps} bps`, requested, actual: 'none' },
        `no reference price for ${order.instrumentId}: the price collar cannot be checked`,
      );
    }
    if (order.price === undefined) return undefined;
    const deviation = order.price > ref ? order.price - ref : ref - order.price;
    if (deviation * 10_000n <= ref * bps) return undefined;
    // Only a rejection formats numbers: a passing check allocates nothing.
    const requested = decimal(order.price, scale);
    const above = order.price > ref;
    // The edge that was crossed, rounded inwards so it is itself inside the collar.
    const edge = above ? (ref * (10_000n + bps)) / 10_000n : (ref * (10_000n - bps) + 9_999n) / 10_000n;
    return rejection(
      this.control,
      source,
      'price',
      { limit: decimal(edge, scale), requested, actual: decimal(ref, scale) },
      `price ${requested} is ${(deviation * 10_000n) / ref} bps ${above ? 'above' : 'below'} the reference ` +
        `${decimal(ref, scale)}; the collar allows ${bps} bps (${above ? 'max' : 'min'} ${decimal(edge, scale)})`,
    );
  }
}
