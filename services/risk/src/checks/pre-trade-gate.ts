import {
  defaultChecks,
  PreTradeRiskEngine,
  type PreTradeCheck,
  type Rejection,
  type RiskOrder,
} from '@tapeline/risk-checks';
import { MONEY_SCALE } from '../controls/control-catalog';
import { InstrumentLimitLayer } from '../controls/instrument-limits';

const NONE: readonly Rejection[] = [];

/**
 * The engine with every control asked about every order. The engine stops at the first
 * rejection; the oms and the auditor want them all, so each control is wrapped to note its
 * rejection and let the next one run, and a last gate refuses the order when any was noted (the
 * engine then records nothing, as for any rejection).
 */
export class PreTradeGate {
  readonly engine: PreTradeRiskEngine;
  readonly instrumentLimits = new InstrumentLimitLayer();
  private readonly found: Rejection[] = [];

  constructor() {
    const noting = (inner: PreTradeCheck): PreTradeCheck => ({
      control: inner.control,
      check: (order, ctx) => {
        const rejected = inner.check(order, ctx);
        if (rejected) this.found.push(rejected);
        return undefined;
      },
    });
    const gate: PreTradeCheck = { control: 'KILL_SWITCH', check: () => this.found[0] };
    this.engine = new PreTradeRiskEngine({
      moneyScale: MONEY_SCALE,
      checks: [this.instrumentLimits, ...defaultChecks().map(noting), gate],
    });
  }

  /** Every rejection of the order; none when it was accepted (and recorded as open). */
  check(order: RiskOrder, nowMicros: number): readonly Rejection[] {
    this.found.length = 0;
    return this.engine.evaluate(order, nowMicros) === undefined ? NONE : this.found.slice();
  }
}
