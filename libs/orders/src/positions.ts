// Positions per (account, instrument), from fills, in fixed point.
//
// Money figures (cost basis, realised and unrealised P&L, exposure) are mantissas at
// priceScale + sizeScale (price x quantity, exact) and include the instrument's contract
// multiplier (an integer; 1 for cash instruments).
//
// Average cost: the open position carries its exact signed cost basis (sum of qty x price of what
// is open). A fill that reduces the position realises (fill price - average cost) on the closed
// quantity: the cost removed is costBasis x closed / |qty|, rounded half away from zero; the
// rounding residue stays in the remaining cost basis, so a position closed to flat has realised
// exactly sum(sells) - sum(buys). A fill larger than the position flips it: it closes the old one
// (realising) and opens the rest at the fill price. avgPx is costBasis / qty at priceScale, rounded
// half away from zero, for display.
import { commonV1, tradingV1 } from '@tapeline/contracts';
import { type FixedPoint, rescale } from '@tapeline/fixed-point';
import { OrdersError } from './errors';
import { type Transition } from './reducer';
import { divRoundHalfAwayFromZero } from './rounding';

export interface Position {
  readonly accountId: string;
  readonly instrumentId: string;
  readonly desk: string;
  readonly priceScale: number;
  readonly sizeScale: number;
  readonly multiplier: bigint;
  /** Signed: positive long, negative short (at sizeScale). */
  readonly qty: bigint;
  /** Signed sum of qty x price of the open quantity (at priceScale + sizeScale, before multiplier). */
  readonly costBasis: bigint;
  /** Average open price at priceScale (0 when flat). */
  readonly avgPx: bigint;
  /** At priceScale + sizeScale, multiplier included. */
  readonly realisedPnl: bigint;
}

export interface PositionFill {
  readonly accountId: string;
  readonly desk: string;
  readonly instrumentId: string;
  readonly side: commonV1.Side;
  readonly priceScale: number;
  readonly sizeScale: number;
  readonly lastQty: bigint;
  readonly lastPx: bigint;
}

export class PositionBook {
  /** By account, then instrument (no key string built per fill); `slots` keeps first-fill order. */
  private readonly positions = new Map<string, Map<string, { position: Position }>>();
  private readonly slots: { position: Position }[] = [];
  private readonly multipliers = new Map<string, bigint>();

  /** Contract multiplier of an instrument (default 1). Define it before its first fill. */
  defineInstrument(instrumentId: string, spec: { multiplier: bigint }): void {
    if (typeof spec.multiplier !== 'bigint' || spec.multiplier <= 0n) {
      throw new OrdersError('INVALID_ORDER', `multiplier of ${instrumentId} must be a positive bigint`);
    }
    this.multipliers.set(instrumentId, spec.multiplier);
  }

  /** Feeds the fill of a transition (ExecType Trade) into its position; other transitions are ignored. */
  applyTransition(t: Transition): Position | undefined {
    if (t.execType !== tradingV1.ExecType.EXEC_TYPE_TRADE || t.event.type !== 'Fill') return undefined;
    const o = t.after;
    return this.fill(
      o.accountId,
      o.desk,
      o.instrumentId,
      o.side,
      o.priceScale,
      o.sizeScale,
      t.event.lastQty,
      t.event.lastPx,
    );
  }

  applyFill(fill: PositionFill): Position {
    return this.fill(
      fill.accountId,
      fill.desk,
      fill.instrumentId,
      fill.side,
      fill.priceScale,
      fill.sizeScale,
      fill.lastQty,
      fill.lastPx,
    );
  }

  private fill(
    accountId: string,
    desk: string,
    instrumentId: string,
    side: commonV1.Side,
    priceScale: number,
    sizeScale: number,
    lastQty: bigint,
    lastPx: bigint,
  ): Position {
    if (lastQty <= 0n) throw new OrdersError('INVALID_ORDER', 'a fill needs a positive quantity');
    let byInstrument = this.positions.get(accountId);
    if (byInstrument === undefined) this.positions.set(accountId, (byInstrument = new Map()));
    const slot = byInstrument.get(instrumentId);
    const before = slot?.position;
    if (before !== undefined && (before.priceScale !== priceScale || before.sizeScale !== sizeScale)) {
      throw new OrdersError(
        'INVALID_ORDER',
        `fill for ${instrumentId} at different scales than its position`,
      );
    }
    const multiplier = before?.multiplier ?? this.multipliers.get(instrumentId) ?? 1n;
    let qty = before?.qty ?? 0n;
    let costBasis = before?.costBasis ?? 0n;
    let realisedPnl = before?.realisedPnl ?? 0n;
    const signed = side === commonV1.Side.SIDE_BUY ? lastQty : -lastQty;

    if (qty !== 0n && qty > 0n !== signed > 0n) {
      // Reducing (and possibly flipping): close min(|fill|, |position|) at the fill price.
      const open = abs(qty);
      const closed = abs(signed) < open ? abs(signed) : open;
      const removedCost = closed === open ? costBasis : divRoundHalfAwayFromZero(costBasis * closed, open);
      const closedSigned = qty > 0n ? closed : -closed;
      realisedPnl += (closedSigned * lastPx - removedCost) * multiplier;
      costBasis -= removedCost;
      qty -= closedSigned;
      const rest = signed + closedSigned; // what is left of the fill after closing
      qty += rest;
      costBasis += rest * lastPx;
    } else {
      qty += signed;
      costBasis += signed * lastPx;
    }
    const after: Position = Object.freeze({
      accountId,
      instrumentId,
      desk,
      priceScale,
      sizeScale,
      multiplier,
      qty,
      costBasis,
      avgPx: qty === 0n ? 0n : divRoundHalfAwayFromZero(costBasis, qty),
      realisedPnl,
    });
    if (slot !== undefined) slot.position = after;
    else {
      const created = { position: after };
      byInstrument.set(instrumentId, created);
      this.slots.push(created);
    }
    return after;
  }

  get(accountId: string, instrumentId: string): Position | undefined {
    return this.positions.get(accountId)?.get(instrumentId)?.position;
  }

  *all(): IterableIterator<Position> {
    for (const slot of this.slots) yield slot.position;
  }

  /**
   * Exposure of a desk: sum over its positions of |qty| x mark x multiplier, each at its own
   * priceScale + sizeScale, summed at the largest such scale (exact). Marks are price mantissas
   * at each instrument's priceScale, in one currency (the caller converts). A position without a
   * mark is an error, not a zero.
   */
  deskExposure(desk: string, marks: ReadonlyMap<string, bigint>): FixedPoint {
    const parts: FixedPoint[] = [];
    for (const p of this.all()) {
      if (p.desk !== desk || p.qty === 0n) continue;
      const mark = marks.get(p.instrumentId);
      if (mark === undefined) throw new OrdersError('MISSING_MARK', `no mark price for ${p.instrumentId}`);
      parts.push({ mantissa: abs(p.qty * mark) * p.multiplier, scale: p.priceScale + p.sizeScale });
    }
    const scale = parts.reduce((s, f) => Math.max(s, f.scale), 0);
    return { mantissa: parts.reduce((sum, f) => sum + rescale(f, scale).mantissa, 0n), scale };
  }
}

/** P&L of the open quantity at a mark price (priceScale), multiplier included, at priceScale + sizeScale. */
export function unrealisedPnl(position: Position, mark: bigint): bigint {
  return (position.qty * mark - position.costBasis) * position.multiplier;
}

/** A money figure of a position as a FixedPoint (for formatFixed / the wire). */
export function pnlFixed(position: Position, mantissa: bigint): FixedPoint {
  return { mantissa, scale: position.priceScale + position.sizeScale };
}

const abs = (x: bigint) => (x < 0n ? -x : x);
