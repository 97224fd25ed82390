// SetKillSwitch (ADR 0007): risk holds the switch and answers with its state before and after; the
// oms journals the change with the actor and, when the switch is engaged, cancels every open order
// in its scope (each cancel journaled under the same request id). A switch that risk trips on its
// own (daily loss limit) arrives as a risk alert and is journaled and enforced the same way.
// Documents (shared with services/risk, which rebuilds its switches from them):
//   before {scope, target, engaged}, after {scope, target, engaged, reason}; scope global|desk|account.
import { eventsV1, riskV1 } from '@tapeline/contracts';
import type { JournalActor, JsonObject } from '@tapeline/journal';
import type { Order } from '@tapeline/orders';
import type { Logger } from '@tapeline/telemetry';
import { OmsError } from '../errors';
import type { CancelOrder } from './cancel-order';
import type { Requester, TradingContext } from './trading-context';

export interface KillSwitchCommand extends Requester {
  readonly scope: riskV1.KillSwitchScope;
  /** Desk or account id; empty for GLOBAL. */
  readonly target: string;
  readonly engaged: boolean;
  readonly reason: string;
}

export interface KillSwitchResult {
  readonly engaged: boolean;
  readonly cancelledOrderIds: readonly string[];
}

type ScopeName = 'global' | 'desk' | 'account';

interface SwitchState extends JsonObject {
  readonly scope: ScopeName;
  readonly target: string;
  readonly engaged: boolean;
}

const SCOPES: Partial<Record<riskV1.KillSwitchScope, ScopeName>> = {
  [riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_GLOBAL]: 'global',
  [riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_DESK]: 'desk',
  [riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_ACCOUNT]: 'account',
};

/** The alert attributes of a kill switch risk tripped itself (services/risk TRIP_ALERT). */
const TRIP = { kind: 'journal_kind', before: 'before_state', after: 'after_state' } as const;

export class SetKillSwitch {
  constructor(
    private readonly ctx: TradingContext,
    private readonly cancelOrder: CancelOrder,
  ) {}

  async execute(cmd: KillSwitchCommand): Promise<KillSwitchResult> {
    const scope = SCOPES[cmd.scope];
    if (!scope)
      throw new OmsError('INVALID_ARGUMENT', `kill switch scope ${cmd.scope} is not GLOBAL, DESK or ACCOUNT`);
    if (scope !== 'global' && !cmd.target)
      throw new OmsError('INVALID_ARGUMENT', `a ${scope} kill switch needs a target`);
    const target = scope === 'global' ? '' : cmd.target;
    const answer = await this.ctx.risk.setKillSwitch({
      actor: { ...cmd.actor },
      scope: cmd.scope,
      target,
      engaged: cmd.engaged,
      reason: cmd.reason,
    });
    return this.record(
      cmd,
      { scope, target, engaged: answer.wasEngaged },
      { scope, target, engaged: answer.engaged, reason: cmd.reason },
    );
  }

  /**
   * A risk alert for a switch risk tripped itself: journaled (once per alert) and enforced. The
   * alert id is the request id, so a redelivered alert is recognised, also after a restart.
   */
  async onRiskAlert(alert: eventsV1.AlertEvent, logger: Logger): Promise<void> {
    const a = alert.attributes;
    if (alert.kind !== eventsV1.AlertKind.ALERT_KIND_RISK || a[TRIP.kind] !== 'kill_switch') return;
    const requestId = `alert:${alert.alertId}`;
    if (this.ctx.state.hasRequest(requestId)) return;
    let before: SwitchState;
    let after: SwitchState;
    try {
      before = switchState(JSON.parse(a[TRIP.before] ?? '') as unknown);
      after = switchState(JSON.parse(a[TRIP.after] ?? '') as unknown);
    } catch (err) {
      logger.error({ err, alertId: alert.alertId }, 'kill switch alert is not readable');
      return;
    }
    const actor: JournalActor = {
      userId: a.actor_user_id ?? 'risk-engine',
      clientId: a.actor_client_id ?? 'risk',
      desk: '',
      role: a.actor_role ?? 'system',
    };
    const result = await this.record({ actor, requestId }, before, after);
    logger.warn(
      {
        alertId: alert.alertId,
        scope: after.scope,
        target: after.target,
        cancelled: result.cancelledOrderIds.length,
      },
      'risk tripped a kill switch',
    );
  }

  private async record(who: Requester, before: SwitchState, after: SwitchState): Promise<KillSwitchResult> {
    const { writer, state } = this.ctx;
    state.noteRequest('', who.requestId);
    writer.append({
      kind: 'kill_switch',
      actor: who.actor,
      requestId: who.requestId,
      accountId: after.scope === 'account' ? after.target : '',
      subjectId: after.scope === 'global' ? 'global' : `${after.scope}:${after.target}`,
      before,
      after,
    });
    await writer.durable();
    if (!after.engaged) return { engaged: false, cancelledOrderIds: [] };
    const cancelled: string[] = [];
    for (const order of state.orders.openOrders()) {
      if (!covers(after, order)) continue;
      try {
        await this.cancelOrder.execute({
          ...who,
          accountId: order.accountId,
          // Deterministic per request and order: the same kill switch request again is a repeat.
          clOrdId: `KILL-${who.requestId}-${order.orderId}`,
          origClOrdId: '',
          orderId: order.orderId,
        });
        cancelled.push(order.orderId);
      } catch {
        // E.g. a replace in flight (one request per order at a time): the refusal is journaled by
        // the cancel; the switch still blocks every new order in its scope.
      }
    }
    return { engaged: true, cancelledOrderIds: cancelled };
  }
}

function covers(s: SwitchState, order: Order): boolean {
  if (s.scope === 'global') return true;
  if (s.scope === 'desk') return order.desk === s.target;
  return order.accountId === s.target;
}

function switchState(doc: unknown): SwitchState {
  const d = doc as Partial<SwitchState> | null;
  if (
    !d ||
    (d.scope !== 'global' && d.scope !== 'desk' && d.scope !== 'account') ||
    typeof d.engaged !== 'boolean'
  ) {
    throw new OmsError('INVALID_ARGUMENT', 'not a kill switch state');
  }
  return {
    ...d,
    scope: d.scope,
    target: typeof d.target === 'string' ? d.target : '',
    engaged: d.engaged,
  } as SwitchState;
}
