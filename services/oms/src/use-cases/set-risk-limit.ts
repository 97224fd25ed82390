// SetRiskLimit (ADR 0007): risk applies the limit and answers with the value before and after;
// the oms journals the change with the actor (risk rebuilds its limits from the journal topic).
import { OmsError } from '../errors';
import type { Requester, TradingContext } from './trading-context';

export interface RiskLimitCommand extends Requester {
  /** "global", "desk", "account" or "instrument". */
  readonly scope: string;
  readonly target: string;
  readonly control: string;
  /** Decimal string; empty removes the limit at this scope. */
  readonly value: string;
}

const SCOPES = ['global', 'desk', 'account', 'instrument'];

export class SetRiskLimit {
  constructor(private readonly ctx: TradingContext) {}

  async execute(cmd: RiskLimitCommand): Promise<{ previousValue: string; value: string }> {
    if (!SCOPES.includes(cmd.scope)) {
      throw new OmsError('INVALID_ARGUMENT', `scope "${cmd.scope}" is not one of ${SCOPES.join(', ')}`);
    }
    if (cmd.scope !== 'global' && !cmd.target)
      throw new OmsError('INVALID_ARGUMENT', `a ${cmd.scope} limit needs a target`);
    if (!cmd.control) throw new OmsError('INVALID_ARGUMENT', 'control is required');
    // The value's form depends on the control (a decimal, "200/1s" for the throttle, a window for
    // duplicate detection): risk owns that validation and its INVALID_ARGUMENT passes through.
    const answer = await this.ctx.risk.setLimit({
      actor: { ...cmd.actor },
      scope: cmd.scope,
      target: cmd.target,
      control: cmd.control,
      value: cmd.value,
    });
    const limit = { scope: cmd.scope, target: cmd.target, control: cmd.control };
    this.ctx.writer.append({
      kind: 'limit.change',
      actor: cmd.actor,
      requestId: cmd.requestId,
      accountId: cmd.scope === 'account' ? cmd.target : '',
      subjectId: `${cmd.scope}:${cmd.target}:${cmd.control}`,
      instrumentId: cmd.scope === 'instrument' ? cmd.target : '',
      before: { ...limit, value: answer.previousValue },
      after: { ...limit, value: answer.value },
    });
    await this.ctx.writer.durable();
    return { previousValue: answer.previousValue, value: answer.value };
  }
}
