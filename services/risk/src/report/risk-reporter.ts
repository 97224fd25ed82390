import type { riskV1 } from '@tapeline/contracts';
import {
  deskExposures,
  historicalVar,
  initialMargin,
  parametricVar,
  RiskInputError,
  runStressTests,
  type KillSwitchScope,
  type ValuedPosition,
  type VarInput,
} from '@tapeline/risk-checks';
import { formatMoney, MONEY_SCALE } from '../controls/control-catalog';
import type { ControlBoard } from '../controls/control-board';
import type { Portfolio } from '../positions/portfolio';
import type { PriceHistory } from '../prices/price-history';

export interface ReportDefaults {
  readonly confidencePercent: number;
  readonly horizonDays: number;
  readonly currency: string;
}

/** A report request the service refuses; `message` starts with the field. */
export class ReportRequestError extends Error {
  override readonly name = 'ReportRequestError';
  readonly code = 'BAD_REPORT_REQUEST';
}

const money = formatMoney;

/**
 * Post-trade figures of a desk, an account or the firm: exposure and P&L, VaR (historical and
 * parametric; ES of the historical simulation), the standard stress scenarios, initial margin, and
 * the day's loss against the scope's daily loss limit. VaR comes from the bucketed mid history:
 * bucket returns, scaled to the horizon by sqrt(horizon days x buckets per day). VaR figures are ""
 * while the history holds fewer than 3 common buckets of the scope's instruments.
 */
export class RiskReporter {
  constructor(
    private readonly portfolio: Portfolio,
    private readonly board: ControlBoard,
    private readonly history: PriceHistory,
    private readonly defaults: ReportDefaults,
  ) {}

  report(req: riskV1.GetRiskReportRequest, nowMicros: number): riskV1.GetRiskReportResponse {
    if (req.desk !== '' && req.accountId !== '') {
      throw new ReportRequestError('account_id: give a desk or an account, not both');
    }
    const percent = req.confidencePercent || this.defaults.confidencePercent;
    if (!(percent > 50 && percent < 100)) {
      throw new ReportRequestError(`confidence_percent: must be above 50 and below 100, got ${percent}`);
    }
    const horizonDays = req.horizonDays || this.defaults.horizonDays;
    if (horizonDays > 250) throw new ReportRequestError(`horizon_days: at most 250, got ${horizonDays}`);

    const positions = this.portfolio.valued({ desk: req.desk, accountId: req.accountId });
    let long = 0n;
    let short = 0n;
    let realised = 0n;
    let unrealised = 0n;
    for (const d of deskExposures(positions)) {
      long += d.long;
      short += d.short;
      realised += d.realisedPnl;
      unrealised += d.unrealisedPnl;
    }
    const varFigures = this.valueAtRisk(positions, percent / 100, horizonDays);
    const scope: KillSwitchScope = req.accountId
      ? { level: 'account', accountId: req.accountId }
      : req.desk
        ? { level: 'desk', desk: req.desk }
        : { level: 'global' };
    const limit = this.board.dailyLossLimitAt(scope);
    return {
      currency: this.defaults.currency,
      grossExposure: money(long + short),
      netExposure: money(long - short),
      realizedPnl: money(realised),
      unrealizedPnl: money(unrealised),
      ...varFigures,
      stress: runStressTests(positions).map((r) => ({ scenario: r.scenario, pnl: money(r.pnl) })),
      initialMargin: money(initialMargin(positions).reduce((sum, a) => sum + a.initialMargin, 0n)),
      dailyLoss: money(-(realised + unrealised)),
      dailyLossLimit: limit === undefined ? '' : money(limit),
      asOf: { unixMicros: String(nowMicros) },
    };
  }

  private valueAtRisk(
    positions: readonly ValuedPosition[],
    confidence: number,
    horizonDays: number,
  ): Pick<riskV1.GetRiskReportResponse, 'varHistorical' | 'varParametric' | 'expectedShortfall'> {
    const exposed = positions.filter((p) => p.marketValue !== 0n);
    if (exposed.length === 0)
      return { varHistorical: money(0n), varParametric: money(0n), expectedShortfall: money(0n) };
    const returns = this.history.alignedReturns([...new Set(exposed.map((p) => p.instrumentId))]);
    if (typeof returns === 'string') return { varHistorical: '', varParametric: '', expectedShortfall: '' };
    const input: VarInput = {
      positions: exposed,
      returns,
      confidence,
      horizonDays: horizonDays * this.history.bucketsPerDay,
      moneyScale: MONEY_SCALE,
    };
    try {
      const historical = historicalVar(input);
      return {
        varHistorical: money(historical.valueAtRisk),
        varParametric: money(parametricVar(input).valueAtRisk),
        expectedShortfall: money(historical.expectedShortfall),
      };
    } catch (err) {
      if (err instanceof RiskInputError)
        return { varHistorical: '', varParametric: '', expectedShortfall: '' };
      throw err;
    }
  }
}
