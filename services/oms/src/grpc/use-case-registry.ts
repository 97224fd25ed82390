import type { JournalAudit } from '../journal/journal-audit';
import type { UpdateFanout } from '../state/update-fanout';
import type { CancelOrder } from '../use-cases/cancel-order';
import type { ReplaceOrder } from '../use-cases/replace-order';
import type { SetKillSwitch } from '../use-cases/set-kill-switch';
import type { SetRiskLimit } from '../use-cases/set-risk-limit';
import type { SubmitOrder } from '../use-cases/submit-order';
import type { OrderQueries } from './order-queries';

export const OMS_USE_CASES = Symbol('oms.use-cases');

/** What the controller calls. */
export interface OmsUseCases {
  readonly submitOrder: SubmitOrder;
  readonly cancelOrder: CancelOrder;
  readonly replaceOrder: ReplaceOrder;
  readonly setKillSwitch: SetKillSwitch;
  readonly setRiskLimit: SetRiskLimit;
  readonly orders: OrderQueries;
  readonly journal: JournalAudit;
  readonly updates: UpdateFanout;
}
