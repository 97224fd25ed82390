import { rejection, type CheckContext, type PreTradeCheck } from '../check';
import type { ThrottleLimit } from '../limits';
import type { Rejection, RiskOrder } from '../model';
import { MessageRing, type AccountState } from '../state';

/** At most N messages per account in any rolling window (ring of the last N message times). */
export class MessageThrottleCheck implements PreTradeCheck {
  readonly control = 'MESSAGE_THROTTLE';

  check(_order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const throttle = ctx.limits.throttle;
    if (!throttle) return undefined;
    return throttled(ctx.account, throttle, ctx.nowMicros, ctx.limits.sources.throttle);
  }
}

/** The throttle rejection when the account's window is full, else undefined (records nothing). */
export function throttled(
  account: AccountState,
  throttle: ThrottleLimit,
  nowMicros: number,
  source: string | undefined,
): Rejection | undefined {
  const ring = throttleRing(account, throttle);
  if (!ring.isFull(nowMicros, throttle.windowMicros)) return undefined;
  const inWindow = ring.countInWindow(nowMicros, throttle.windowMicros);
  return rejection(
    'MESSAGE_THROTTLE',
    source,
    'count',
    { limit: String(throttle.maxMessages), requested: '1', actual: String(inWindow) },
    `${inWindow} messages in the last ${throttle.windowMicros} µs; at most ${throttle.maxMessages} allowed`,
  );
}

/** The account's ring, sized to the throttle in force (created or resized when the limit changed). */
export function throttleRing(account: AccountState, throttle: ThrottleLimit): MessageRing {
  if (!account.throttle) account.throttle = new MessageRing(throttle.maxMessages);
  else if (account.throttle.capacity !== throttle.maxMessages) account.throttle.resize(throttle.maxMessages);
  return account.throttle;
}
