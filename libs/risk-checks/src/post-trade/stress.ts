import type { AssetClass } from '@tapeline/instruments';
import { RiskInputError } from '../errors';
import { applyBps, type ValuedPosition } from './valuation';

/** A named shock: price move per asset class, in basis points (-2000 = -20%). */
export interface StressScenario {
  readonly name: string;
  readonly shocksBps: Readonly<Partial<Record<AssetClass, number>>>;
}

/** The standard table. An asset class a scenario does not name is left unshocked. */
export const STRESS_SCENARIOS: readonly StressScenario[] = [
  { name: 'equity -20%', shocksBps: { EQUITY: -2000 } },
  { name: 'crypto -40%', shocksBps: { CRYPTO_SPOT: -4000, CRYPTO_PERPETUAL: -4000 } },
  { name: 'futures -10%', shocksBps: { FUTURE: -1000 } },
  { name: 'fx -5%', shocksBps: { FX_SPOT: -500 } },
  { name: 'equity +10%', shocksBps: { EQUITY: 1000 } },
  {
    name: 'broad crash',
    shocksBps: { EQUITY: -2000, FUTURE: -1500, FX_SPOT: -500, CRYPTO_SPOT: -4000, CRYPTO_PERPETUAL: -4000 },
  },
];

export interface StressResult {
  readonly scenario: string;
  /** Money-scale P&L of the whole book under the shock (negative = loss). */
  readonly pnl: bigint;
  readonly byDesk: Readonly<Record<string, bigint>>;
  readonly byAccount: Readonly<Record<string, bigint>>;
}

/** P&L of each scenario: market value x shock per position (rounded half away from zero), summed. */
export function runStressTests(
  positions: readonly ValuedPosition[],
  scenarios: readonly StressScenario[] = STRESS_SCENARIOS,
): StressResult[] {
  return scenarios.map((scenario) => {
    const byDesk: Record<string, bigint> = {};
    const byAccount: Record<string, bigint> = {};
    let pnl = 0n;
    for (const p of positions) {
      const bps = scenario.shocksBps[p.assetClass] ?? 0;
      if (!Number.isSafeInteger(bps)) {
        throw new RiskInputError('BAD_SCENARIO', `${scenario.name}: shock ${bps} bps is not an integer`);
      }
      const move = applyBps(p.marketValue, bps, 'nearest');
      pnl += move;
      byDesk[p.desk] = (byDesk[p.desk] ?? 0n) + move;
      byAccount[p.accountId] = (byAccount[p.accountId] ?? 0n) + move;
    }
    return { scenario: scenario.name, pnl, byDesk, byAccount };
  });
}
