import type { ValuedPosition } from './valuation';

/** Exposure and P&L of one desk; money-scale mantissas. */
export interface DeskExposure {
  readonly desk: string;
  /** Sum of positive market values. */
  readonly long: bigint;
  /** Sum of |negative market values|. */
  readonly short: bigint;
  readonly gross: bigint;
  readonly net: bigint;
  readonly realisedPnl: bigint;
  readonly unrealisedPnl: bigint;
  readonly totalPnl: bigint;
}

/** Exposure and P&L per desk, sorted by desk. */
export function deskExposures(positions: readonly ValuedPosition[]): DeskExposure[] {
  const byDesk = new Map<string, { long: bigint; short: bigint; realised: bigint; unrealised: bigint }>();
  for (const p of positions) {
    let d = byDesk.get(p.desk);
    if (!d) byDesk.set(p.desk, (d = { long: 0n, short: 0n, realised: 0n, unrealised: 0n }));
    if (p.marketValue >= 0n) d.long += p.marketValue;
    else d.short -= p.marketValue;
    d.realised += p.realisedPnl;
    d.unrealised += p.unrealisedPnl;
  }
  return [...byDesk.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([desk, d]) => ({
      desk,
      long: d.long,
      short: d.short,
      gross: d.long + d.short,
      net: d.long - d.short,
      realisedPnl: d.realised,
      unrealisedPnl: d.unrealised,
      totalPnl: d.realised + d.unrealised,
    }));
}
