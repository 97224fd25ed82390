import { valuePositions, type PreTradeRiskEngine, type ValuedPosition } from '@tapeline/risk-checks';
import type { MarkBook } from '../prices/mark-book';
import type { PositionLedger } from './position-ledger';

/** Which positions: one account, one desk, or (both empty) the whole firm. */
export interface PortfolioScope {
  readonly desk: string;
  readonly accountId: string;
}

/** Positions of a scope valued at the latest mid, else the last fill price, else their average price. */
export class Portfolio {
  constructor(
    private readonly ledger: PositionLedger,
    private readonly marks: MarkBook,
    private readonly engine: PreTradeRiskEngine,
  ) {}

  valued(scope: PortfolioScope = { desk: '', accountId: '' }): ValuedPosition[] {
    const positions = this.ledger
      .snapshots()
      .filter(
        (p) =>
          (scope.accountId === '' || p.accountId === scope.accountId) &&
          (scope.desk === '' || p.desk === scope.desk),
      );
    const marks = new Map<string, bigint>();
    for (const p of positions) {
      const mark =
        this.marks.marks.get(p.instrumentId) ?? this.ledger.lastFillPriceOf(p.instrumentId) ?? p.averagePrice;
      marks.set(p.instrumentId, mark);
    }
    return valuePositions(positions, marks, this.engine.instruments);
  }
}
