import { killSwitchKey, KillSwitchBoard, type DailyLossTrip } from '@tapeline/risk-checks';
import type { Logger } from '@tapeline/telemetry';
import { formatMoney } from '../controls/control-catalog';
import type { ControlBoard } from '../controls/control-board';
import type { KillSwitchState } from '@tapeline/risk-checks';
import type { Portfolio } from './portfolio';
import type { PositionLedger } from './position-ledger';

/** What a trip is handed to: publishing it so the oms journals it. */
export type TripListener = (
  trip: DailyLossTrip,
  states: { before: KillSwitchState; after: KillSwitchState },
) => void;

/**
 * Daily loss limits against the day's realised P&L plus unrealised P&L at the marks, per
 * configured scope (account, desk, firm). A breach engages the scope's kill switch once per UTC day
 * (releasing it is a human decision). Disarmed while the boot replay runs, so replayed fills do not
 * trip switches before the journal has said which are already engaged; a trip found in the journal
 * for today counts as done.
 */
export class DailyLossWatch {
  private armed = false;
  private readonly trippedToday = new Set<string>();

  constructor(
    private readonly board: ControlBoard,
    private readonly portfolio: Portfolio,
    private readonly ledger: PositionLedger,
    private readonly onTrip: TripListener,
    private readonly logger: Logger,
  ) {}

  arm(): void {
    this.armed = true;
  }

  /** The journal shows risk engaged this scope's switch today (scope key, e.g. "account:A1"). */
  restoreTrip(scopeKey: string): void {
    this.trippedToday.add(scopeKey);
  }

  evaluate(nowMicros: number): void {
    if (!this.armed) return;
    if (this.ledger.rollDay(nowMicros)) {
      this.board.dailyLossLimit.startNewDay();
      this.trippedToday.clear();
    }
    const limits = [...this.board.dailyLossLimits()];
    if (limits.length === 0) return;
    const positions = this.portfolio.valued();
    for (const { scope } of limits) {
      const key = killSwitchKey(scope);
      if (this.trippedToday.has(key)) continue;
      let realised = 0n;
      let unrealised = 0n;
      for (const p of positions) {
        if (!KillSwitchBoard.covers(scope, p.accountId, p.desk)) continue;
        realised += p.realisedPnl;
        unrealised += p.unrealisedPnl;
      }
      const trip = this.board.dailyLossLimit.update(scope, realised, unrealised, nowMicros);
      if (trip === undefined) continue;
      this.trippedToday.add(key);
      this.board.noteKillSwitch(trip.event);
      const target = scope.level === 'global' ? '' : scope.level === 'desk' ? scope.desk : scope.accountId;
      const states = {
        before: { scope: scope.level, target, engaged: trip.event.before.engaged },
        after: { scope: scope.level, target, engaged: true, reason: trip.event.reason },
      };
      this.logger.warn(
        {
          scope: key,
          loss: formatMoney(trip.loss),
          limit: formatMoney(trip.limit),
          ordersToCancel: trip.ordersToCancel.length,
        },
        'daily loss limit breached: kill switch engaged',
      );
      this.onTrip(trip, states);
    }
  }
}
