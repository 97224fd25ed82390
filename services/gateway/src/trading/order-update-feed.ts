import type { Subscription } from 'rxjs';
import type { Logger } from '@tapeline/telemetry';
import type { MarketHub } from '../live/market-hub';
import { toExecution, toOrder, toPosition } from './trading.model';
import type { OmsClient } from './trading-clients';

/**
 * ONE StreamOrderUpdates of the oms per gateway replica (every account), published to the hub by
 * account id; each subscription filters to the accounts its principal may see and buffers in its
 * own mailbox, so the oms streams once however many clients listen. Reconnects while the oms is away.
 */
export class OrderUpdateFeed {
  private upstream: Subscription | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;

  constructor(
    private readonly oms: OmsClient,
    private readonly hub: MarketHub,
    private readonly logger: Logger,
  ) {}

  /** Idempotent: the first subscription (or the app's start) opens the stream. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.connect(1);
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.upstream?.unsubscribe();
  }

  private connect(attempt: number): void {
    if (this.stopped) return;
    // A unary call first: once it answers, the channel is up and the stream opens at once.
    this.oms.call('listAccounts', {}).then(
      () => {
        if (this.stopped) return;
        this.upstream = this.oms.stream('streamOrderUpdates', { accountIds: [] }).subscribe({
          next: (u) => {
            attempt = 1;
            this.publish(u);
          },
          error: (err: unknown) => this.again(attempt, err),
          complete: () => this.again(attempt, new Error('the oms ended the stream')),
        });
        this.logger.info('order updates streaming');
      },
      (err: unknown) => this.again(attempt, err),
    );
  }

  private again(attempt: number, err: unknown): void {
    this.upstream = undefined;
    if (this.stopped) return;
    const retryMs = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
    if (attempt === 1) this.logger.warn({ err, retryMs }, 'order updates stream down; reconnecting');
    this.retry = setTimeout(() => this.connect(attempt + 1), retryMs);
    this.retry.unref();
  }

  private publish(u: {
    order?: Parameters<typeof toOrder>[0] | undefined;
    execution?: Parameters<typeof toExecution>[0] | undefined;
    position?: Parameters<typeof toPosition>[0] | undefined;
  }): void {
    try {
      if (u.order && this.hub.wants('orderUpdates', u.order.accountId))
        this.hub.publish('orderUpdates', u.order.accountId, toOrder(u.order));
      if (u.execution && this.hub.wants('executions', u.execution.accountId))
        this.hub.publish('executions', u.execution.accountId, toExecution(u.execution));
      if (u.position && this.hub.wants('positions', u.position.accountId))
        this.hub.publish('positions', u.position.accountId, toPosition(u.position));
    } catch (err) {
      this.logger.error({ err }, 'order update could not be converted; skipped');
    }
  }
}
