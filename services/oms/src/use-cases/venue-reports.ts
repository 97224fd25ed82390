// Reports from the venues (acks, fills, cancels, ...) and commands a venue could not take: each
// becomes a lifecycle event, applied and journaled under the request it answers.
import type { Order, OrderUpdateEvent } from '@tapeline/orders';
import type { Logger } from '@tapeline/telemetry';
import type { VenueListener } from '../routing/venue-registry';
import type { VenueCommand } from '../state/lifecycle-recorder';
import { OMS_ACTOR, venueActor, type TradingContext } from './trading-context';

export class VenueReports implements VenueListener {
  constructor(
    private readonly ctx: Pick<TradingContext, 'state' | 'recorder'>,
    private readonly logger: Logger,
  ) {}

  onVenueEvent(venue: string, event: OrderUpdateEvent): void {
    try {
      this.ctx.recorder.record(event, {
        actor: venueActor(venue),
        requestId: this.ctx.state.lastRequestOf(event.orderId),
        source: 'venue',
      });
    } catch (err) {
      // The venue reported something the state machine refuses: kept out of the state, logged loudly.
      this.logger.error(
        { err, venue, event: { type: event.type, orderId: event.orderId } },
        'venue report refused',
      );
    }
  }

  onDispatchFailed(
    venue: string,
    order: Order,
    command: VenueCommand,
    reason: string,
    atMicros: bigint,
  ): void {
    const text = `venue ${venue || '?'} did not take the ${command.kind}: ${reason}`;
    const event: OrderUpdateEvent =
      command.kind === 'submit'
        ? { type: 'Reject', orderId: order.orderId, atMicros, text }
        : command.kind === 'cancel'
          ? { type: 'CancelReject', orderId: order.orderId, atMicros, text }
          : { type: 'ReplaceReject', orderId: order.orderId, atMicros, text };
    this.logger.warn(
      { venue, orderId: order.orderId, command: command.kind, reason },
      'venue command failed',
    );
    try {
      this.ctx.recorder.record(event, {
        actor: OMS_ACTOR,
        requestId: this.ctx.state.lastRequestOf(order.orderId),
        source: 'oms',
      });
    } catch (err) {
      this.logger.error({ err, orderId: order.orderId }, 'could not record a failed venue command');
    }
  }
}
