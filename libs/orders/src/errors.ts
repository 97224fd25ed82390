import { type tradingV1 } from '@tapeline/contracts';
import { type LifecycleTrigger } from './lifecycle';

export type OrdersErrorCode =
  | 'TRANSITION_REFUSED'
  | 'INVALID_ORDER'
  | 'DUPLICATE_CLORDID'
  | 'UNKNOWN_ORDER'
  | 'OVERFILL'
  | 'REPLACE_BELOW_CUM_QTY'
  | 'MISSING_MARK';

/** Every refusal of this library: a `code` to branch on and a message naming what is wrong. */
export class OrdersError extends Error {
  override readonly name: string = 'OrdersError';
  constructor(
    readonly code: OrdersErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An event that the lifecycle table does not allow in the order's current state. */
export class TransitionRefusedError extends OrdersError {
  override readonly name = 'TransitionRefusedError';
  constructor(
    readonly orderId: string,
    readonly status: tradingV1.OrdStatus,
    readonly trigger: LifecycleTrigger,
    statusName: string,
  ) {
    super('TRANSITION_REFUSED', `order ${orderId}: ${trigger} is not allowed in state ${statusName}`);
  }
}

/** A ClOrdID already used by the account for a different request (FIX: duplicate ClOrdID). */
export class DuplicateClOrdIdError extends OrdersError {
  override readonly name = 'DuplicateClOrdIdError';
  constructor(
    readonly accountId: string,
    readonly clOrdId: string,
  ) {
    super(
      'DUPLICATE_CLORDID',
      `account ${accountId}: ClOrdID "${clOrdId}" was already used for a different request`,
    );
  }
}
