import type { AssetClass } from '@tapeline/instruments';
import { RiskInputError } from '../errors';
import { applyBps, type ValuedPosition } from './valuation';

/**
 * Initial margin rates per asset class, basis points of |notional|. A deliberately simple model
 * (no netting, no offsets between instruments): IM(account) = sum over positions of
 * |market value| x rate, each term rounded up. Roughly Reg-T-like for equities, exchange-like for
 * futures, retail-broker-like for FX and crypto.
 */
export const INITIAL_MARGIN_RATES_BPS: Readonly<Record<AssetClass, number>> = {
  EQUITY: 2500,
  FUTURE: 1000,
  FX_SPOT: 300,
  CRYPTO_SPOT: 5000,
  CRYPTO_PERPETUAL: 2000,
};

export interface AccountMargin {
  readonly accountId: string;
  /** Money-scale mantissas. */
  readonly grossNotional: bigint;
  readonly initialMargin: bigint;
}

/** Initial margin per account, sorted by account. */
export function initialMargin(
  positions: readonly ValuedPosition[],
  ratesBps: Readonly<Partial<Record<AssetClass, number>>> = INITIAL_MARGIN_RATES_BPS,
): AccountMargin[] {
  const byAccount = new Map<string, { gross: bigint; margin: bigint }>();
  for (const p of positions) {
    const rate = ratesBps[p.assetClass];
    if (rate === undefined) throw new RiskInputError('BAD_SCENARIO', `no margin rate for ${p.assetClass}`);
    const notional = p.marketValue < 0n ? -p.marketValue : p.marketValue;
    let a = byAccount.get(p.accountId);
    if (!a) byAccount.set(p.accountId, (a = { gross: 0n, margin: 0n }));
    a.gross += notional;
    a.margin += applyBps(notional, rate, 'up');
  }
  return [...byAccount.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([accountId, a]) => ({ accountId, grossNotional: a.gross, initialMargin: a.margin }));
}
