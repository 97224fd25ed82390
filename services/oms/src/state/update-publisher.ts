// Publications of a durable transition: `orders` and `executions` on the bus (keyed by account),
// and the StreamOrderUpdates subscribers.
import type { Bus } from '@tapeline/bus';
import { toOrderEvent } from '@tapeline/orders';
import type { Logger } from '@tapeline/telemetry';
import type { TransitionOutbox } from './lifecycle-recorder';
import type { Applied, OmsState } from './oms-state';
import { positionView } from './position-view';
import type { UpdateFanout } from './update-fanout';

export class UpdatePublisher implements TransitionOutbox {
  constructor(
    private readonly state: OmsState,
    private readonly bus: Bus,
    private readonly fanout: UpdateFanout,
    private readonly logger: Logger,
  ) {}

  published({ transition, execution, position }: Applied): void {
    const order = toOrderEvent(transition.after);
    const failed = (topic: string) => (err: unknown) =>
      this.logger.error({ err, topic, orderId: order.orderId }, 'publication failed');
    this.bus.publish('orders', order).catch(failed('orders'));
    this.bus.publish('executions', execution).catch(failed('executions'));
    if (this.fanout.size === 0) return;
    this.fanout.emit(order.accountId, { order });
    this.fanout.emit(order.accountId, { execution });
    if (position) this.fanout.emit(order.accountId, { position: positionView(this.state, position) });
  }
}
