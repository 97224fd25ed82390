import type { PreTradeCheck } from '../check';
import { CreditLimitCheck } from './credit-limit-check';
import { DuplicateOrderCheck } from './duplicate-order-check';
import { KillSwitchCheck } from './kill-switch-check';
import { MaxOpenOrdersCheck } from './max-open-orders-check';
import { MaxOrderQuantityCheck } from './max-order-quantity-check';
import { MaxOrderValueCheck } from './max-order-value-check';
import { MessageThrottleCheck } from './message-throttle-check';
import { PositionLimitCheck } from './position-limit-check';
import { PriceCollarCheck } from './price-collar-check';
import { RestrictedInstrumentCheck } from './restricted-instrument-check';

export {
  CreditLimitCheck,
  DuplicateOrderCheck,
  KillSwitchCheck,
  MaxOpenOrdersCheck,
  MaxOrderQuantityCheck,
  MaxOrderValueCheck,
  MessageThrottleCheck,
  PositionLimitCheck,
  PriceCollarCheck,
  RestrictedInstrumentCheck,
};

/** Every control, in the order they are asked: blocks first, then per-order bounds, then state. */
export function defaultChecks(): PreTradeCheck[] {
  return [
    new KillSwitchCheck(),
    new RestrictedInstrumentCheck(),
    new MessageThrottleCheck(),
    new DuplicateOrderCheck(),
    new MaxOrderQuantityCheck(),
    new PriceCollarCheck(),
    new MaxOrderValueCheck(),
    new PositionLimitCheck(),
    new CreditLimitCheck(),
    new MaxOpenOrdersCheck(),
  ];
}
