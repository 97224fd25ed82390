// The journal documents of kill-switch and limit changes: the one definition of their shape.
//
// The oms journals every change that reaches risk through it (ADR 0007) with the before/after
// states built here from the request it sent and the answer risk gave, and risk rebuilds its
// controls at boot from exactly these documents. Kill switches that risk trips on its own (daily
// loss limit) reach the oms as an `alerts` event carrying the same documents (see tripAlert).
//
//   kind "limit.change"  before/after: {"scope","target","control","value"}   value "" = not set
//   kind "kill_switch"   before: {"scope","target","engaged"}
//                        after:  {"scope","target","engaged","reason"}
//
// scope is "global" | "desk" | "account" | "instrument" (kill switches: the first three), target
// the desk, account, "ACCOUNT/INSTRUMENT" or instrument id ("" for global), value the normalised
// value risk answered (SetLimitResponse.value / previous_value).
import { randomUUID } from 'node:crypto';
import { eventsV1, riskV1 } from '@tapeline/contracts';
import { canonicalJson, type JournalActor, type JsonObject } from '@tapeline/journal';
import type { KillSwitchScope as EngineKillSwitchScope } from './kill-switch';

export interface LimitSettingState extends JsonObject {
  readonly scope: string;
  readonly target: string;
  readonly control: string;
  readonly value: string;
}

export type KillSwitchScopeName = 'global' | 'desk' | 'account';

export interface KillSwitchState extends JsonObject {
  readonly scope: KillSwitchScopeName;
  readonly target: string;
  readonly engaged: boolean;
  readonly reason?: string;
}

/** before/after of a limit change, from the SetLimit request and its answer. */
export function limitChangeStates(
  request: { scope: string; target: string; control: string },
  answer: { previousValue: string; value: string },
): { before: LimitSettingState; after: LimitSettingState } {
  const { scope, target, control } = request;
  return {
    before: { scope, target, control, value: answer.previousValue },
    after: { scope, target, control, value: answer.value },
  };
}

/** before/after of a kill-switch change, from the SetKillSwitch request and its answer. */
export function killSwitchStates(
  request: { scope: riskV1.KillSwitchScope; target: string; reason: string },
  answer: { wasEngaged: boolean; engaged: boolean },
): { before: KillSwitchState; after: KillSwitchState } {
  const scope = killSwitchScopeName(request.scope);
  const target = scope === 'global' ? '' : request.target;
  return {
    before: { scope, target, engaged: answer.wasEngaged },
    after: { scope, target, engaged: answer.engaged, reason: request.reason },
  };
}

/** What the oms puts in the entry's subject_id: the scope key, e.g. "desk:EQ", "global". */
export function journalSubject(state: { scope: string; target: string }): string {
  return state.scope === 'global' ? 'global' : `${state.scope}:${state.target}`;
}

export class JournalStateError extends Error {
  override readonly name = 'JournalStateError';
  readonly code = 'BAD_JOURNAL_STATE';
}

/** Reads a limit.change after_state back; throws JournalStateError for anything else. */
export function readLimitSettingState(doc: JsonObject | null): LimitSettingState {
  const d = object(doc, 'limit.change');
  for (const key of ['scope', 'target', 'control', 'value'] as const) {
    if (typeof d[key] !== 'string')
      throw new JournalStateError(`limit.change state: "${key}" is not a string`);
  }
  return d as LimitSettingState;
}

/** Reads a kill_switch after_state back; throws JournalStateError for anything else. */
export function readKillSwitchState(doc: JsonObject | null): KillSwitchState {
  const d = object(doc, 'kill_switch');
  if (d['scope'] !== 'global' && d['scope'] !== 'desk' && d['scope'] !== 'account') {
    throw new JournalStateError(
      `kill_switch state: scope "${String(d['scope'])}" is not global, desk or account`,
    );
  }
  if (typeof d['target'] !== 'string' || (d['scope'] !== 'global' && d['target'] === '')) {
    throw new JournalStateError('kill_switch state: "target" is missing');
  }
  if (typeof d['engaged'] !== 'boolean')
    throw new JournalStateError('kill_switch state: "engaged" is not a boolean');
  return d as KillSwitchState;
}

function object(doc: JsonObject | null, kind: string): JsonObject {
  if (doc === null) throw new JournalStateError(`${kind} entry without an after_state`);
  return doc;
}

export function killSwitchScopeName(scope: riskV1.KillSwitchScope): KillSwitchScopeName {
  switch (scope) {
    case riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_GLOBAL:
      return 'global';
    case riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_DESK:
      return 'desk';
    case riskV1.KillSwitchScope.KILL_SWITCH_SCOPE_ACCOUNT:
      return 'account';
    default:
      throw new JournalStateError(`kill switch scope ${scope} is not GLOBAL, DESK or ACCOUNT`);
  }
}

/** The engine's scope of a journal state (or a request). */
export function engineKillSwitchScope(state: {
  scope: KillSwitchScopeName;
  target: string;
}): EngineKillSwitchScope {
  if (state.scope === 'global') return { level: 'global' };
  return state.scope === 'desk'
    ? { level: 'desk', desk: state.target }
    : { level: 'account', accountId: state.target };
}

/** Attribute names of a kill-switch trip alert; the oms journals `before_state`/`after_state` as they are. */
export const TRIP_ALERT = {
  journalKind: 'journal_kind',
  before: 'before_state',
  after: 'after_state',
  actorUserId: 'actor_user_id',
  actorClientId: 'actor_client_id',
  actorRole: 'actor_role',
  accountId: 'account_id',
  loss: 'daily_loss',
  limit: 'daily_loss_limit',
} as const;

/**
 * The `alerts` event risk publishes when the daily loss limit trips a kill switch (kind RISK,
 * severity CRITICAL). The oms journals it as a "kill_switch" entry: actor from actor_*, subject
 * journalSubject(after), account_id from account_id, before/after_state verbatim (canonical JSON).
 */
export function tripAlert(
  states: { before: KillSwitchState; after: KillSwitchState },
  actor: JournalActor,
  figures: { loss: string; limit: string },
  raisedAtMicros: number,
): eventsV1.AlertEvent {
  const { after } = states;
  return {
    alertId: randomUUID(),
    kind: eventsV1.AlertKind.ALERT_KIND_RISK,
    severity: eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL,
    instrumentId: '',
    venue: '',
    message: `kill switch ${journalSubject(after)} engaged by risk: ${after.reason ?? ''}`,
    attributes: {
      [TRIP_ALERT.journalKind]: 'kill_switch',
      [TRIP_ALERT.before]: canonicalJson(states.before),
      [TRIP_ALERT.after]: canonicalJson(after),
      [TRIP_ALERT.actorUserId]: actor.userId,
      [TRIP_ALERT.actorClientId]: actor.clientId,
      [TRIP_ALERT.actorRole]: actor.role,
      [TRIP_ALERT.accountId]: after.scope === 'account' ? after.target : '',
      [TRIP_ALERT.loss]: figures.loss,
      [TRIP_ALERT.limit]: figures.limit,
    },
    source: 'risk',
    raisedAtMicros: String(raisedAtMicros),
  };
}
