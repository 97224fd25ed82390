import type { RiskActor } from './model';

export type KillSwitchScope =
  | { readonly level: 'global' }
  | { readonly level: 'desk'; readonly desk: string }
  | { readonly level: 'account'; readonly accountId: string };

export interface KillSwitchEvent {
  readonly kind: 'kill_switch';
  readonly scope: KillSwitchScope;
  readonly scopeKey: string;
  readonly actor: RiskActor;
  readonly atMicros: number;
  readonly reason: string;
  readonly before: { readonly engaged: boolean };
  readonly after: { readonly engaged: boolean };
}

export function killSwitchKey(scope: KillSwitchScope): string {
  if (scope.level === 'global') return 'global';
  return scope.level === 'desk' ? `desk:${scope.desk}` : `account:${scope.accountId}`;
}

/** Which kill switches are engaged. Engaging one blocks every new order in its scope. */
export class KillSwitchBoard {
  private global = false;
  private readonly desks = new Set<string>();
  private readonly accounts = new Set<string>();

  /** Engages (true) or releases (false); an unchanged state still yields an event, for the audit trail. */
  set(
    scope: KillSwitchScope,
    engaged: boolean,
    actor: RiskActor,
    atMicros: number,
    reason: string,
  ): KillSwitchEvent {
    const before = this.isEngaged(scope);
    if (scope.level === 'global') this.global = engaged;
    else {
      const set = scope.level === 'desk' ? this.desks : this.accounts;
      const id = scope.level === 'desk' ? scope.desk : scope.accountId;
      if (engaged) set.add(id);
      else set.delete(id);
    }
    return {
      kind: 'kill_switch',
      scope,
      scopeKey: killSwitchKey(scope),
      actor,
      atMicros,
      reason,
      before: { engaged: before },
      after: { engaged },
    };
  }

  isEngaged(scope: KillSwitchScope): boolean {
    if (scope.level === 'global') return this.global;
    return scope.level === 'desk' ? this.desks.has(scope.desk) : this.accounts.has(scope.accountId);
  }

  /** The scope key blocking this account, most specific first; undefined when trading is allowed. */
  blocking(accountId: string, desk: string): string | undefined {
    if (this.accounts.size > 0 && this.accounts.has(accountId)) return `account:${accountId}`;
    if (this.desks.size > 0 && this.desks.has(desk)) return `desk:${desk}`;
    return this.global ? 'global' : undefined;
  }

  /** The answer of risk.v1 GetKillSwitchState. */
  stateFor(
    accountId: string,
    desk: string,
  ): { globalEngaged: boolean; deskEngaged: boolean; accountEngaged: boolean } {
    return {
      globalEngaged: this.global,
      deskEngaged: this.desks.has(desk),
      accountEngaged: this.accounts.has(accountId),
    };
  }

  /** Whether an order of this account falls under the scope (for listing orders to cancel). */
  static covers(scope: KillSwitchScope, accountId: string, desk: string): boolean {
    if (scope.level === 'global') return true;
    return scope.level === 'desk' ? scope.desk === desk : scope.accountId === accountId;
  }
}
