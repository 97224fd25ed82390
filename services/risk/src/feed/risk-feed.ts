import { hostname } from 'node:os';
import { PoisonMessageError, type Bus, type ConsumedEvent, type EventConsumer } from '@tapeline/bus';
import { JournalError } from '@tapeline/journal';
import { RiskInputError } from '@tapeline/risk-checks';
import { nowMicros, type Logger } from '@tapeline/telemetry';
import { SettingError } from '../controls/control-catalog';
import { JournalStateError } from '@tapeline/risk-checks';
import { LedgerError } from '../positions/position-ledger';
import type { RiskRuntime } from '../risk-runtime';

export interface FeedOptions {
  /** Prefix of the consumer group ids. */
  readonly groupPrefix: string;
  /** Replay is over once no message older than the boot arrived for this long. */
  readonly quietMs: number;
}

/** Errors that mean "this event can never be applied": dead-lettered at once with the reason. */
const POISON = [JournalError, JournalStateError, SettingError, LedgerError, RiskInputError];

type StateTopic = 'journal' | 'orders' | 'executions';

/**
 * Risk's view of the bus. Every process reads every partition (its state is in memory, so each
 * replica needs all events) under consumer groups of its own:
 * - `journal`, `orders`, `executions` from the beginning: kill switches and limits from the journal,
 *   positions and P&L from executions, open-order closes from orders;
 * - `quotes` from now on: reference prices, marks and the VaR price history.
 * The boot replay is over when the journal seen is a gapless run of sequences and no message
 * produced before the boot has arrived for `quietMs`.
 */
export class RiskFeed {
  private readonly consumers: EventConsumer[] = [];
  private readonly bootMs = Date.now();
  private lastHistoryAt = 0;
  private joinedAt: number | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly risk: RiskRuntime,
    private readonly options: FeedOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const member = `${hostname()}-${process.pid}-${this.bootMs.toString(36)}`;
    this.consumers.push(
      await this.bus.consume<StateTopic>({
        groupId: `${this.options.groupPrefix}.state.${member}`,
        topics: ['journal', 'orders', 'executions'],
        fromBeginning: true,
        maxWaitTimeMs: 100,
        handlerAttempts: 3,
        handler: (event) => this.guard(event.topic, () => this.onStateEvent(event)),
      }),
      await this.bus.consume<'quotes'>({
        groupId: `${this.options.groupPrefix}.quotes.${member}`,
        topics: ['quotes'],
        maxWaitTimeMs: 100,
        handler: (event) => this.onQuote(event),
      }),
    );
  }

  /** Why the boot replay is not over yet; undefined once it is. */
  replayPending(): string | undefined {
    const state = this.consumers[0]?.state();
    if (state !== 'running') return `consumer of journal/orders/executions is ${state ?? 'not started'}`;
    this.joinedAt ??= performance.now();
    const gap = this.risk.replay.gap();
    if (gap !== undefined) return gap;
    const quietFor = performance.now() - Math.max(this.joinedAt, this.lastHistoryAt);
    return quietFor >= this.options.quietMs
      ? undefined
      : `replaying: last historical event ${Math.round(quietFor)} ms ago`;
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.close()));
  }

  private onStateEvent(event: ConsumedEvent<StateTopic>): void {
    if (Number(event.timestamp) < this.bootMs) this.lastHistoryAt = performance.now();
    const now = nowMicros();
    switch (event.topic) {
      case 'journal':
        this.risk.replay.onEntry(event.value, now);
        return;
      case 'orders':
        if (!this.risk.ledger.onOrder(event.value)) this.ignored('orders', 'stale_version');
        return;
      case 'executions': {
        const outcome = this.risk.ledger.onExecution(event.value);
        if (outcome === 'duplicate') this.ignored('executions', 'duplicate_exec_id');
        // A fill moves P&L: the daily loss limit is judged at once (not during the boot replay).
        if (outcome === 'fill') this.risk.watch.evaluate(now);
        return;
      }
    }
  }

  private onQuote(event: ConsumedEvent<'quotes'>): void {
    const outcome = this.risk.marks.onQuote(event.value);
    if (outcome !== 'applied') this.ignored('quotes', outcome);
  }

  private guard(topic: string, apply: () => void): void {
    try {
      apply();
    } catch (err) {
      if (!POISON.some((type) => err instanceof type)) throw err;
      this.ignored(topic, 'invalid');
      this.logger.error({ topic, err: (err as Error).message }, 'bus event cannot be applied; dead-lettered');
      throw new PoisonMessageError(`${(err as Error).name}: ${(err as Error).message}`);
    }
  }

  private ignored(topic: string, reason: string): void {
    this.risk.metrics.ignoredEvents.inc({ topic, reason });
  }
}
