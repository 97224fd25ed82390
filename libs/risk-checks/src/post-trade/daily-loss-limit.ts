import { formatFixed, rescale, type FixedPoint } from '@tapeline/fixed-point';
import type { KillSwitchChange, PreTradeRiskEngine } from '../engine';
import { RiskInputError } from '../errors';
import { killSwitchKey, type KillSwitchScope } from '../kill-switch';
import { limitChangeEvent, type LimitChangeEvent } from '../limits';
import { RISK_ENGINE_ACTOR, type RiskActor } from '../model';

export interface DailyLossTrip extends KillSwitchChange {
  /** Money-scale: the loss that tripped (positive) and the limit. */
  readonly loss: bigint;
  readonly limit: bigint;
}

/**
 * Daily loss limit per account or desk: when realised + unrealised P&L of the day falls below
 * -limit, the scope's kill switch is engaged (once per day; releasing it is a human decision).
 */
export class DailyLossLimit {
  private readonly limits = new Map<string, bigint>();
  private readonly tripped = new Set<string>();

  constructor(private readonly engine: PreTradeRiskEngine) {}

  setLimit(
    scope: KillSwitchScope,
    maxLoss: FixedPoint | null,
    actor: RiskActor,
    atMicros: number,
  ): LimitChangeEvent {
    const key = killSwitchKey(scope);
    const scale = this.engine.instruments.moneyScale;
    const before = this.limits.get(key);
    if (maxLoss === null) this.limits.delete(key);
    else {
      if (maxLoss.mantissa < 0n)
        throw new RiskInputError('BAD_LIMIT', `${key}: daily loss limit is negative`);
      this.limits.set(key, rescale(maxLoss, scale).mantissa);
    }
    const doc = (v: bigint | undefined) =>
      v === undefined ? {} : { dailyLossLimit: formatFixed({ mantissa: v, scale }) };
    return limitChangeEvent(scope, actor, atMicros, '', doc(before), doc(this.limits.get(key)));
  }

  /** Feeds the day's P&L of a scope (money-scale); trips its kill switch the first time the loss exceeds the limit. */
  update(
    scope: KillSwitchScope,
    realisedPnl: bigint,
    unrealisedPnl: bigint,
    nowMicros: number,
  ): DailyLossTrip | undefined {
    const key = killSwitchKey(scope);
    const limit = this.limits.get(key);
    const loss = -(realisedPnl + unrealisedPnl);
    if (limit === undefined || loss <= limit || this.tripped.has(key)) return undefined;
    this.tripped.add(key);
    const scale = this.engine.instruments.moneyScale;
    const reason =
      `daily loss ${formatFixed({ mantissa: loss, scale })} (realised ${formatFixed({ mantissa: realisedPnl, scale })}, ` +
      `unrealised ${formatFixed({ mantissa: unrealisedPnl, scale })}) exceeds the limit ${formatFixed({ mantissa: limit, scale })}`;
    const change = this.engine.setKillSwitch(scope, true, RISK_ENGINE_ACTOR, nowMicros, reason);
    return { ...change, loss, limit };
  }

  /** Re-arms every limit for a new trading day (engaged kill switches stay engaged). */
  startNewDay(): void {
    this.tripped.clear();
  }
}
