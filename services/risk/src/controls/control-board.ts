import { rescale, type FixedPoint } from '@tapeline/fixed-point';
import {
  DailyLossLimit,
  killSwitchKey,
  RiskInputError,
  type KillSwitchChange,
  type KillSwitchEvent,
  type KillSwitchScope,
  type LimitScope,
  type RiskActor,
} from '@tapeline/risk-checks';
import type { PreTradeGate } from '../checks/pre-trade-gate';
import {
  engineKillSwitchScope,
  type KillSwitchScopeName,
  type LimitSettingState,
} from '@tapeline/risk-checks';
import type { InstrumentField } from './instrument-limits';
import {
  MONEY_SCALE,
  SCOPES,
  SettingError,
  settingKey,
  type Setting,
  type SettingTarget,
} from './control-catalog';

/** What a setting change did: the value at its scope before and after ("" = not set). */
export interface SettingChange {
  readonly previousValue: string;
  readonly value: string;
}

export interface DailyLossSetting {
  readonly scope: KillSwitchScope;
  /** Money-scale mantissa. */
  readonly limit: bigint;
}

/**
 * Every setting in force and every kill switch, applied to the engine through one path whichever
 * way they arrive (limits file, SetLimit, journal replay), and listed back in the wire form.
 */
export class ControlBoard {
  readonly dailyLossLimit: DailyLossLimit;
  private readonly settings = new Map<string, LimitSettingState>();
  private readonly dailyLoss = new Map<string, DailyLossSetting>();
  private readonly engaged = new Set<string>();

  constructor(private readonly gate: PreTradeGate) {
    this.dailyLossLimit = new DailyLossLimit(gate.engine);
  }

  /** Applies a validated setting; a value the engine refuses is a SettingError on `value`. */
  apply(setting: Setting, actor: RiskActor, atMicros: number): SettingChange {
    const key = settingKey(setting);
    const previousValue = this.settings.get(key)?.value ?? '';
    try {
      this.applyToEngine(setting, actor, atMicros);
    } catch (err) {
      if (err instanceof RiskInputError) throw new SettingError('value', err.message);
      throw err;
    }
    const { scope, target, control, value } = setting;
    if (value === '') this.settings.delete(key);
    else this.settings.set(key, { scope, target, control, value });
    return { previousValue, value };
  }

  /** The value at exactly this scope, "" when not set there. */
  valueOf(s: { scope: string; target: string; control: string }): string {
    return this.settings.get(settingKey(s))?.value ?? '';
  }

  /** Every setting in force: scope (global, desk, account, instrument), then target, then control. */
  list(): LimitSettingState[] {
    const rank = (scope: string) => SCOPES.indexOf(scope as (typeof SCOPES)[number]);
    return [...this.settings.values()].sort(
      (a, b) => rank(a.scope) - rank(b.scope) || compare(a.target, b.target) || compare(a.control, b.control),
    );
  }

  setKillSwitch(
    state: { scope: KillSwitchScopeName; target: string },
    engaged: boolean,
    actor: RiskActor,
    atMicros: number,
    reason: string,
  ): KillSwitchChange {
    const change = this.gate.engine.setKillSwitch(
      engineKillSwitchScope(state),
      engaged,
      actor,
      atMicros,
      reason,
    );
    this.noteKillSwitch(change.event);
    return change;
  }

  /** Keeps the list of engaged switches in step (the daily loss limit engages them directly). */
  noteKillSwitch(event: KillSwitchEvent): void {
    if (event.after.engaged) this.engaged.add(event.scopeKey);
    else this.engaged.delete(event.scopeKey);
  }

  /** Engaged kill switches by scope key ("global", "desk:EQ", "account:A1"), sorted. */
  engagedKillSwitches(): string[] {
    return [...this.engaged].sort(compare);
  }

  dailyLossLimits(): IterableIterator<DailyLossSetting> {
    return this.dailyLoss.values();
  }

  dailyLossLimitAt(scope: KillSwitchScope): bigint | undefined {
    return this.dailyLoss.get(killSwitchKey(scope))?.limit;
  }

  private applyToEngine(s: Setting, actor: RiskActor, atMicros: number): void {
    const { engine, instrumentLimits } = this.gate;
    const w = s.where;
    if (s.control === 'restricted_instrument') {
      const scope: LimitScope =
        w.scope === 'instrument' ? { level: 'global' } : limitScope({ ...w, instrumentId: undefined });
      engine.limits.restrict(scope, w.instrumentId!, s.parsed === true, actor, atMicros);
    } else if (s.control === 'daily_loss_limit') {
      const scope = engineKillSwitchScope({ scope: w.scope as KillSwitchScopeName, target: w.owner });
      const limit = s.parsed as FixedPoint | null;
      this.dailyLossLimit.setLimit(scope, limit, actor, atMicros);
      if (limit === null) this.dailyLoss.delete(killSwitchKey(scope));
      else this.dailyLoss.set(killSwitchKey(scope), { scope, limit: rescale(limit, MONEY_SCALE).mantissa });
    } else if (w.scope === 'instrument') {
      const field = s.field as InstrumentField;
      instrumentLimits.set(w.instrumentId!, field, (s.parsed as FixedPoint | null) ?? undefined);
    } else {
      engine.limits.set(limitScope(w), { [s.field!]: s.parsed }, actor, atMicros);
    }
  }
}

function limitScope(w: SettingTarget): LimitScope {
  if (w.scope === 'global') return { level: 'global' };
  if (w.scope === 'desk') return { level: 'desk', desk: w.owner };
  if (w.instrumentId === undefined) return { level: 'account', accountId: w.owner };
  return { level: 'account-instrument', accountId: w.owner, instrumentId: w.instrumentId };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
