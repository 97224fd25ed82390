import { Controller, Inject } from '@nestjs/common';
import { riskV1, type eventsV1 } from '@tapeline/contracts';
import type { RiskActor } from '@tapeline/risk-checks';
import { invalidArgument, unavailable } from '@tapeline/service-kit';
import { nowMicros } from '@tapeline/telemetry';
import { parseSetting, settingKey, SettingError, WIRE_CONTROL } from '../controls/control-catalog';
import { killSwitchReplayKey } from '../feed/journal-replay';
import { JournalStateError, killSwitchScopeName } from '@tapeline/risk-checks';
import { ReportRequestError } from '../report/risk-reporter';
import { RiskRuntime } from '../risk-runtime';
import { rejectionToProto, RequestError, riskOrderOf } from './order-request';

const ACCEPTED: riskV1.RiskRejection[] = [];

@Controller()
@riskV1.RiskServiceControllerMethods()
export class RiskController implements riskV1.RiskServiceController {
  constructor(@Inject(RiskRuntime) private readonly risk: RiskRuntime) {}

  checkOrder(req: riskV1.CheckOrderRequest): riskV1.CheckOrderResponse {
    this.assertReady();
    const started = process.hrtime.bigint();
    const { gate, ledger, metrics } = this.risk;
    const desk = req.desk || ledger.desks.get(req.accountId) || '';
    const order = this.request(() => riskOrderOf(req, desk, gate.engine.instruments));
    ledger.noteDesk(req.accountId, desk);
    // Asked again about an order already accepted (the oms retrying after a timeout): same answer.
    const rejections = gate.engine.openOrders.has(order.orderId) ? [] : gate.check(order, nowMicros());
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.checkSeconds.observe({ result: rejections.length === 0 ? 'accepted' : 'rejected' }, seconds);
    for (const r of rejections) metrics.rejections.inc({ control: WIRE_CONTROL[r.control] });
    return {
      accepted: rejections.length === 0,
      rejections: rejections.length === 0 ? ACCEPTED : rejections.map(rejectionToProto),
      checkMicros: Math.max(1, Math.round(seconds * 1e6)),
    };
  }

  setKillSwitch(req: riskV1.SetKillSwitchRequest): riskV1.SetKillSwitchResponse {
    this.assertReady();
    const actor = actorOf(req.actor);
    const scope = this.request(() => killSwitchScopeName(req.scope));
    const target = scope === 'global' ? '' : req.target.trim();
    if (scope === 'global' && req.target.trim() !== '')
      throw invalidArgument('target: must be empty for GLOBAL');
    if (scope !== 'global' && target === '') throw invalidArgument(`target: the ${scope} id is required`);
    const { event } = this.risk.board.setKillSwitch(
      { scope, target },
      req.engaged,
      actor,
      nowMicros(),
      req.reason,
    );
    this.risk.replay.noteLocalChange(killSwitchReplayKey({ scope, target }), String(req.engaged));
    return { wasEngaged: event.before.engaged, engaged: event.after.engaged };
  }

  setLimit(req: riskV1.SetLimitRequest): riskV1.SetLimitResponse {
    this.assertReady();
    const actor = actorOf(req.actor);
    const setting = this.request(() => parseSetting(req));
    const id = setting.where.instrumentId;
    if (id !== undefined && !this.risk.gate.engine.instruments.find(id)) {
      throw invalidArgument(`target: "${id}" is not an instrument of the master`);
    }
    const change = this.request(() => this.risk.board.apply(setting, actor, nowMicros()));
    this.risk.replay.noteLocalChange(settingKey(setting), change.value);
    return change;
  }

  listLimits(): riskV1.ListLimitsResponse {
    this.assertReady();
    return { limits: this.risk.board.list(), engagedKillSwitches: this.risk.board.engagedKillSwitches() };
  }

  getKillSwitchState(req: riskV1.GetKillSwitchStateRequest): riskV1.GetKillSwitchStateResponse {
    this.assertReady();
    const desk = req.desk || this.risk.ledger.desks.get(req.accountId) || '';
    return this.risk.gate.engine.killSwitches.stateFor(req.accountId, desk);
  }

  getRiskReport(req: riskV1.GetRiskReportRequest): riskV1.GetRiskReportResponse {
    this.assertReady();
    return this.request(() => this.risk.reporter.report(req, nowMicros()));
  }

  private assertReady(): void {
    if (!this.risk.ready) throw unavailable(`risk is not ready: ${this.risk.bootStage}`);
  }

  /** The caller's mistakes become INVALID_ARGUMENT naming the field; anything else is a bug. */
  private request<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (
        err instanceof RequestError ||
        err instanceof SettingError ||
        err instanceof ReportRequestError ||
        err instanceof JournalStateError
      ) {
        throw invalidArgument(err instanceof JournalStateError ? `scope: ${err.message}` : err.message);
      }
      throw err;
    }
  }
}

/** Changes to controls are audited: they must say who made them. */
function actorOf(actor: eventsV1.Actor | undefined): RiskActor {
  if (!actor || actor.userId.trim() === '') throw invalidArgument('actor.user_id: is required');
  return { userId: actor.userId, clientId: actor.clientId, desk: actor.desk, role: actor.role };
}
