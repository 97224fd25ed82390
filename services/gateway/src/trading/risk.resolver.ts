import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { deskScope, type Grantee, type Principal } from '@tapeline/auth';
import { Alert, AlertKind } from '../alerts/alert.model';
import { CurrentPrincipal, RequirePermission } from '../auth/require-permission';
import { apiError, badInput } from '../graphql/errors';
import { asYielded, type LiveContext } from '../live/live-context';
import { LiveSubscriptions } from '../live/live-subscriptions';
import { AccountDesks } from './account-desks';
import { actorOf, newRequestId } from './actor';
import { OmsClient, RiskClient } from './trading-clients';
import {
  KillSwitchResult,
  KillSwitchScope,
  Limits,
  LimitScope,
  RiskLimitResult,
  RiskReport,
  toRiskReport,
  WIRE,
} from './trading.model';

/** Kill switch and limit changes (through the oms, which journals them) and risk's read side. */
@Resolver()
export class RiskResolver {
  constructor(
    @Inject(OmsClient) private readonly oms: OmsClient,
    @Inject(RiskClient) private readonly risk: RiskClient,
    @Inject(AccountDesks) private readonly accounts: AccountDesks,
    @Inject(LiveSubscriptions) private readonly live: LiveSubscriptions,
  ) {}

  @RequirePermission('killswitch:set')
  @Mutation(() => KillSwitchResult, {
    description:
      'Engage (cancelling the open orders it covers) or release the kill switch of the firm, a desk or an account.',
  })
  async setKillSwitch(
    @Args('scope', { type: () => KillSwitchScope }) scope: KillSwitchScope,
    @Args('target', { type: () => String, nullable: true, description: 'Desk or account; unset for GLOBAL.' })
    target: string | null,
    @Args('engaged') engaged: boolean,
    @Args('reason', { type: () => String, defaultValue: '' }) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<KillSwitchResult> {
    await this.authorizeScope(principal, 'killswitch:set', scope, target);
    const res = await this.oms.call('setKillSwitch', {
      actor: actorOf(principal),
      requestId: newRequestId(),
      scope: WIRE.killSwitchScope(scope),
      target: target ?? '',
      engaged,
      reason,
    });
    return { engaged: res.engaged, cancelledOrderIds: res.cancelledOrderIds };
  }

  @RequirePermission('limits:set')
  @Mutation(() => RiskLimitResult, {
    description: 'Set a pre-trade control (e.g. max_order_qty) at a scope; an unset value removes it there.',
  })
  async setRiskLimit(
    @Args('scope', { type: () => LimitScope }) scope: LimitScope,
    @Args('target', { type: () => String, nullable: true, description: 'Unset for GLOBAL.' })
    target: string | null,
    @Args('control') control: string,
    @Args('value', { type: () => String, nullable: true }) value: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RiskLimitResult> {
    if (scope !== LimitScope.GLOBAL && !target) throw badInput('target', `is required for scope ${scope}`);
    if (scope === LimitScope.DESK) this.accounts.authorizeDesk(principal, 'limits:set', target!);
    if (scope === LimitScope.ACCOUNT)
      await this.accounts.authorizeAccount(principal, 'limits:set', target!, 'target');
    const res = await this.oms.call('setRiskLimit', {
      actor: actorOf(principal),
      requestId: newRequestId(),
      scope: scope.toLowerCase(),
      target: scope === LimitScope.GLOBAL ? '' : target!,
      control,
      value: value ?? '',
    });
    return { previousValue: res.previousValue || null, value: res.value || null };
  }

  @RequirePermission('positions:read')
  @Query(() => RiskReport, {
    description: 'Exposure, P&L, VaR, stress and margin of a desk or an account; both unset: the firm.',
  })
  async riskReport(
    @Args('desk', { type: () => String, nullable: true }) desk: string | null,
    @Args('accountId', { type: () => ID, nullable: true }) accountId: string | null,
    @Args('confidencePercent', { type: () => Int, defaultValue: 99 }) confidencePercent: number,
    @Args('horizonDays', { type: () => Int, defaultValue: 1 }) horizonDays: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RiskReport> {
    if (desk && accountId) throw badInput('desk', 'and accountId are exclusive');
    if (confidencePercent < 50 || confidencePercent > 99)
      throw badInput('confidencePercent', 'must be 50..99');
    if (horizonDays < 1 || horizonDays > 250) throw badInput('horizonDays', 'must be 1..250');
    if (accountId) await this.accounts.authorizeAccount(principal, 'positions:read', accountId);
    else if (desk) this.accounts.authorizeDesk(principal, 'positions:read', desk);
    else requireAllDesks(principal, 'positions:read', 'the firm-wide report');
    const res = await this.risk.call('getRiskReport', {
      desk: desk ?? '',
      accountId: accountId ?? '',
      confidencePercent,
      horizonDays,
    });
    return toRiskReport(res);
  }

  @RequirePermission('limits:read')
  @Query(() => Limits, {
    description:
      'The pre-trade limits in force and the engaged kill switches (those that apply to your desk).',
  })
  async limits(@CurrentPrincipal() principal: Principal): Promise<Limits> {
    const res = await this.risk.call('listLimits', {});
    const scope = deskScope(principal, 'limits:read');
    if (scope.kind === 'all_desks') return res;
    const applies = await this.appliesToDesk(scope.kind === 'desk' ? scope.desk : '');
    return {
      limits: res.limits.filter((l) => applies(l.scope, l.target)),
      engagedKillSwitches: res.engagedKillSwitches.filter((k) => {
        const [s, t = ''] = k.split(':');
        return applies(s!, t);
      }),
    };
  }

  @RequirePermission('limits:read')
  @Subscription(() => Alert, {
    name: 'riskAlerts',
    resolve: asYielded,
    description: 'Risk alerts (kind RISK: a daily loss limit tripped a kill switch) that concern your desk.',
  })
  async liveRiskAlerts(
    @CurrentPrincipal() principal: Principal,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Alert>> {
    const scope = deskScope(principal, 'limits:read');
    const applies =
      scope.kind === 'all_desks'
        ? () => true
        : await this.appliesToDesk(scope.kind === 'desk' ? scope.desk : '');
    return this.live.alerts<Alert>(null, ctx.connection, (a) => {
      if (a.kind !== AlertKind.RISK) return false;
      const after = a.attributes.find((x) => x.key === 'after_state')?.value;
      const account = a.attributes.find((x) => x.key === 'account_id')?.value;
      if (account) return applies('account', account);
      try {
        const state = JSON.parse(after ?? '{}') as { scope?: string; target?: string };
        return applies(state.scope ?? 'global', state.target ?? '');
      } catch {
        return false;
      }
    });
  }

  /** FORBIDDEN unless the principal may act on the kill switch's target. */
  private async authorizeScope(
    who: Principal,
    permission: 'killswitch:set',
    scope: KillSwitchScope,
    target: string | null,
  ): Promise<void> {
    if (scope === KillSwitchScope.GLOBAL) {
      if (target) throw badInput('target', 'must be unset for GLOBAL');
      return requireAllDesks(who, permission, 'the global kill switch');
    }
    if (!target) throw badInput('target', `is required for scope ${scope}`);
    if (scope === KillSwitchScope.DESK) this.accounts.authorizeDesk(who, permission, target);
    else await this.accounts.authorizeAccount(who, permission, target, 'target');
  }

  /** Whether a (scope, target) setting applies to `desk`: global, instrument, the desk, its accounts. */
  private async appliesToDesk(desk: string): Promise<(scope: string, target: string) => boolean> {
    const own = new Set(await this.accounts.accountsOf(desk));
    return (scope, target) =>
      scope === 'global' ||
      scope === 'instrument' ||
      (scope === 'desk' && target === desk) ||
      (scope === 'account' && own.has(target));
  }
}

function requireAllDesks(who: Grantee, permission: 'killswitch:set' | 'positions:read', what: string): void {
  if (deskScope(who, permission).kind !== 'all_desks')
    throw apiError(
      'FORBIDDEN',
      `${what} needs ${permission} on all desks; role ${who.role} holds it for desk ${who.desk} only`,
    );
}
