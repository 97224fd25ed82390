import { formatFixed } from '@tapeline/fixed-point';
import type { PreparedInstrument } from './instruments';
import type { KillSwitchBoard } from './kill-switch';
import type { LimitBook, ResolvedLimits } from './limits';
import type { ControlName, Rejection, RejectionUnit, RiskOrder } from './model';
import type { AccountState, DuplicateWindow, PositionState } from './state';

/**
 * What a check may read about the order being judged. The engine fills one context per order
 * (reused, not reallocated) from its in-memory state; checks never change state: the engine
 * records an order only once every check has passed.
 */
export interface CheckContext {
  nowMicros: number;
  moneyScale: number;
  instrument: PreparedInstrument;
  limits: ResolvedLimits;
  account: AccountState;
  position: PositionState;
  /** Limit price, or for a market order the price risk assumes (see PreTradeRiskEngine). */
  effectivePrice: bigint | undefined;
  /** Money-scale notional at the effective price, rounded up; undefined without a price. */
  notional: bigint | undefined;
  /** Identity of the order's shape for duplicate detection; set by the engine when a window applies. */
  duplicateKey: string | undefined;
  readonly killSwitches: KillSwitchBoard;
  readonly limitBook: LimitBook;
  readonly duplicates: DuplicateWindow;
}

/** One pre-trade control. A new control is one new class behind this interface, plus its test. */
export interface PreTradeCheck {
  readonly control: ControlName;
  check(order: RiskOrder, ctx: CheckContext): Rejection | undefined;
}

export function decimal(mantissa: bigint, scale: number): string {
  return formatFixed({ mantissa, scale });
}

export function rejection(
  control: ControlName,
  source: string | undefined,
  unit: RejectionUnit,
  numbers: { limit: string; requested: string; actual: string },
  message: string,
): Rejection {
  return { control, source: source ?? '', unit, ...numbers, message };
}
