// Expiry of GTD and DAY orders, as an OrdStatus Expired transition journaled and published like any
// other:
// - an order resting at a simulated venue expires there: the venue's `expire(now)` (GTD at or past
//   ExpireTime) or `endOfDay()` (every DAY order) is a journaled venue command, and the venue's
//   Expire reports follow it through VenueReports;
// - a stop the oms still holds (not triggered) is expired by the oms itself;
// - an external (FIX) venue expires its orders itself and reports it.
// A DAY order is due once a session close (OMS_SESSION_CLOSE_UTC) has passed since it was created,
// which also covers a close the oms was down for: it is expired at the first check after start.
// Checks run every `checkMs`, and at the close itself.
import { tradingV1 } from '@tapeline/contracts';
import { isTerminal, type Order } from '@tapeline/orders';
import type { Logger } from '@tapeline/telemetry';
import type { VenueRegistry } from '../routing/venue-registry';
import { isHeldStop } from '../state/oms-state';
import { OMS_ACTOR, type TradingContext } from '../use-cases/trading-context';
import { lastCloseAtOrBefore, nextCloseAfter, type SessionClose } from './session-close';

const { TIME_IN_FORCE_DAY: DAY, TIME_IN_FORCE_GTD: GTD } = tradingV1.TimeInForce;

export interface OrderExpiryOptions {
  readonly checkMs: number;
  /** Microseconds after UTC midnight; null: sessions never close. */
  readonly sessionClose: SessionClose;
}

export class OrderExpiry {
  /** How far `state.created` has been looked at. */
  private cursor = 0;
  /** Open DAY and GTD orders. */
  private readonly watched = new Set<string>();
  /** Orders a venue command was issued for: not asked again (logged if they stay open). */
  private readonly asked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: Pick<TradingContext, 'state' | 'recorder' | 'clock'> & {
      readonly venues: Pick<VenueRegistry, 'simulated'>;
    },
    private readonly options: OrderExpiryOptions,
    private readonly logger: Logger,
  ) {}

  /** Checks at once (a close missed while down), then keeps checking. */
  start(): void {
    this.stopped = false;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Expires what is due at `now` (UTC micros); returns the orders it expired or asked to expire. */
  check(now: bigint = this.ctx.clock()): string[] {
    const { state } = this.ctx;
    for (; this.cursor < state.created.length; this.cursor++) {
      const id = state.created[this.cursor]!;
      const tif = state.orders.get(id)?.timeInForce;
      if (tif === DAY || tif === GTD) this.watched.add(id);
    }
    const close = this.options.sessionClose;
    const lastClose = close === null ? null : lastCloseAtOrBefore(close, now);
    const held: Order[] = [];
    const gtdAt = new Set<string>();
    const dayAt = new Set<string>();
    const simulated = this.ctx.venues.simulated();
    const touched: string[] = [];
    for (const id of this.watched) {
      const order = state.orders.get(id);
      if (order === undefined || isTerminal(order.status)) {
        this.watched.delete(id);
        this.asked.delete(id);
        continue;
      }
      const due =
        order.timeInForce === GTD
          ? order.expireTimeMicros > 0n && order.expireTimeMicros <= now
          : lastClose !== null && (state.createdAt.get(id) ?? now) < lastClose;
      if (!due) continue;
      if (isHeldStop(order)) {
        held.push(order);
        continue;
      }
      const venue = state.route(id)?.venue ?? '';
      if (!simulated.has(venue)) continue; // an external venue expires its own orders
      if (this.asked.has(id)) {
        this.logger.warn({ orderId: id, venue }, 'order still open after its venue was told to expire it');
        this.watched.delete(id);
        continue;
      }
      this.asked.add(id);
      touched.push(id);
      (order.timeInForce === GTD ? gtdAt : dayAt).add(venue);
    }
    for (const order of held) {
      try {
        this.ctx.recorder.record(
          { type: 'Expire', orderId: order.orderId, atMicros: now },
          {
            actor: OMS_ACTOR,
            requestId: `${order.timeInForce === GTD ? 'expire' : 'endOfDay'}:${order.orderId}`,
            source: 'oms',
          },
        );
        touched.push(order.orderId);
      } catch (err) {
        this.logger.error({ err, orderId: order.orderId }, 'held stop could not be expired');
        this.watched.delete(order.orderId);
      }
    }
    const failed = (venue: string, what: string) => (err: unknown) =>
      this.logger.error({ err, venue }, `simulated venue ${what} failed`);
    for (const venue of gtdAt) simulated.get(venue)!.expire(now).catch(failed(venue, 'expire'));
    for (const venue of dayAt) simulated.get(venue)!.endOfDay(now).catch(failed(venue, 'end of day'));
    return touched;
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      this.check();
    } catch (err) {
      this.logger.error({ err }, 'order expiry check failed');
    }
    let delayMs = this.options.checkMs;
    const close = this.options.sessionClose;
    if (close !== null) {
      const now = this.ctx.clock();
      const untilClose = Number((nextCloseAfter(close, now) - now) / 1000n) + 1;
      delayMs = Math.min(delayMs, untilClose);
    }
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }
}
