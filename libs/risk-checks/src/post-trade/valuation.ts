import type { AssetClass } from '@tapeline/instruments';
import { RiskInputError } from '../errors';
import type { InstrumentTable } from '../instruments';

/** A position as the oms keeps it: quantity at size scale (signed), average price at price scale. */
export interface PositionSnapshot {
  readonly accountId: string;
  readonly desk: string;
  readonly instrumentId: string;
  readonly quantity: bigint;
  readonly averagePrice: bigint;
  /** Money-scale realised P&L of the day; 0 when absent. */
  readonly realisedPnl?: bigint;
}

/** A position valued at a mark. Money amounts at the table's money scale, rounded half away from zero. */
export interface ValuedPosition extends PositionSnapshot {
  readonly assetClass: AssetClass;
  readonly mark: bigint;
  /** Signed: quantity x mark x multiplier. */
  readonly marketValue: bigint;
  /** quantity x (mark - average price) x multiplier. */
  readonly unrealisedPnl: bigint;
  readonly realisedPnl: bigint;
}

/** Values positions at marks (price-scale mantissas by instrument id). A position without a mark is an error. */
export function valuePositions(
  positions: readonly PositionSnapshot[],
  marks: ReadonlyMap<string, bigint>,
  instruments: InstrumentTable,
): ValuedPosition[] {
  return positions.map((p) => {
    const instrument = instruments.get(p.instrumentId);
    const mark = marks.get(p.instrumentId);
    if (mark === undefined) {
      throw new RiskInputError('MISSING_MARK', `no mark for ${p.instrumentId} (position of ${p.accountId})`);
    }
    return {
      ...p,
      assetClass: instrument.assetClass,
      mark,
      marketValue: instruments.toMoney(instrument, p.quantity, mark, 'nearest'),
      unrealisedPnl: instruments.toMoney(instrument, p.quantity, mark - p.averagePrice, 'nearest'),
      realisedPnl: p.realisedPnl ?? 0n,
    };
  });
}

/** a x bps / 10000, rounded half away from zero ('nearest') or away from zero ('up'). */
export function applyBps(amount: bigint, bps: number, rounding: 'nearest' | 'up'): bigint {
  const raw = amount * BigInt(bps);
  const magnitude = raw < 0n ? -raw : raw;
  const rounded = (magnitude + (rounding === 'up' ? 9_999n : 5_000n)) / 10_000n;
  return raw < 0n ? -rounded : rounded;
}
