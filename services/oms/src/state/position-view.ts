// Positions as the contract shows them: money at the instrument's price scale, marked to the last
// trade (the average price until one is seen), and exposure summed per desk and currency.
import type { omsV1 } from '@tapeline/contracts';
import { formatFixed, rescale, type FixedPoint } from '@tapeline/fixed-point';
import { divRoundHalfAwayFromZero, unrealisedPnl, type Position } from '@tapeline/orders';
import type { OmsState } from './oms-state';

export function positionView(state: OmsState, p: Position): omsV1.Position {
  const mark = state.marks.get(p.instrumentId) ?? p.avgPx;
  const toPriceScale = (money: bigint) => divRoundHalfAwayFromZero(money, 10n ** BigInt(p.sizeScale));
  return {
    accountId: p.accountId,
    desk: p.desk,
    instrumentId: p.instrumentId,
    priceScale: p.priceScale,
    sizeScale: p.sizeScale,
    quantity: p.qty.toString(),
    avgPx: p.avgPx.toString(),
    realizedPnl: toPriceScale(p.realisedPnl).toString(),
    unrealizedPnl: toPriceScale(p.qty === 0n ? 0n : unrealisedPnl(p, mark)).toString(),
    markPrice: mark.toString(),
    currency: state.currencyOf(p.instrumentId),
  };
}

class Sum {
  private value: FixedPoint = { mantissa: 0n, scale: 0 };
  add(mantissa: bigint, scale: number): void {
    const s = Math.max(scale, this.value.scale);
    this.value = {
      mantissa: rescale(this.value, s).mantissa + rescale({ mantissa, scale }, s).mantissa,
      scale: s,
    };
  }
  text(): string {
    return formatFixed(this.value);
  }
}

/** Gross |qty| x mark x multiplier and net qty x mark x multiplier, per desk and currency. */
export function deskExposures(state: OmsState, positions: readonly Position[]): omsV1.DeskExposure[] {
  const byKey = new Map<
    string,
    { desk: string; currency: string; gross: Sum; net: Sum; realized: Sum; unrealized: Sum }
  >();
  for (const p of positions) {
    const currency = state.currencyOf(p.instrumentId);
    const key = `${p.desk}\u0000${currency}`;
    let e = byKey.get(key);
    if (!e) {
      e = {
        desk: p.desk,
        currency,
        gross: new Sum(),
        net: new Sum(),
        realized: new Sum(),
        unrealized: new Sum(),
      };
      byKey.set(key, e);
    }
    const mark = state.marks.get(p.instrumentId) ?? p.avgPx;
    const scale = p.priceScale + p.sizeScale;
    const net = p.qty * mark * p.multiplier;
    e.gross.add(net < 0n ? -net : net, scale);
    e.net.add(net, scale);
    e.realized.add(p.realisedPnl, scale);
    e.unrealized.add(p.qty === 0n ? 0n : unrealisedPnl(p, mark), scale);
  }
  return [...byKey.values()].map((e) => ({
    desk: e.desk,
    currency: e.currency,
    grossExposure: e.gross.text(),
    netExposure: e.net.text(),
    realizedPnl: e.realized.text(),
    unrealizedPnl: e.unrealized.text(),
  }));
}
