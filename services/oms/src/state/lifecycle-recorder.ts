// Applies a lifecycle event to the oms state and journals it in the same synchronous step, so that
// journal order is application order and replaying the journal repeats the run. What depends on
// the entry being durable (the venue command it implies, the publications) runs after the log write.
import type { JournalActor, JournalEntryKind, JsonObject } from '@tapeline/journal';
import type { LifecycleEvent, Order } from '@tapeline/orders';
import type { JournalWriter } from '../journal/journal-writer';
import type { Applied, OmsState } from './oms-state';

/** What the oms sends to the order's venue once the transition is durable. */
export type VenueCommand =
  | { readonly kind: 'submit' }
  | { readonly kind: 'cancel'; readonly clOrdId: string }
  | {
      readonly kind: 'replace';
      readonly clOrdId: string;
      readonly orderQty: bigint;
      readonly price?: bigint;
    };

export interface RecordContext {
  readonly actor: JournalActor;
  readonly requestId: string;
  /** Who produced the event: the oms itself (requests, risk, held stops) or the order's venue. */
  readonly source: 'oms' | 'venue';
  readonly command?: VenueCommand;
}

/** Publications of a durable transition: bus topics and the StreamOrderUpdates subscribers. */
export interface TransitionOutbox {
  published(applied: Applied): void;
}

/** Sends venue commands; the live path and the replay share it. */
export interface CommandDispatcher {
  dispatch(order: Order, command: VenueCommand, atMicros: bigint): void;
  /**
   * True for a venue inside the oms process (the simulated one): its command is applied at once,
   * in the same step as the journal entry, so the entry and the venue's answers share one log write.
   * A crash before that write loses the command and its answers together, and the venue's books
   * are rebuilt from the journaled commands, so nothing the journal holds is ever missing from it.
   * An external venue gets the command only once the entry is durable (write-ahead).
   */
  inProcess(order: Order): boolean;
}

/** JSON documents of an order.state / execution entry. Orders and events carry bigints (as strings). */
export interface TransitionDocument {
  readonly order: Order;
  readonly event: LifecycleEvent;
  readonly source: 'oms' | 'venue';
  readonly venue: string;
  readonly command?: VenueCommand;
}

export class LifecycleRecorder {
  constructor(
    private readonly state: OmsState,
    private readonly writer: JournalWriter,
    private readonly outbox: TransitionOutbox,
    private readonly dispatcher: CommandDispatcher,
  ) {}

  /** Applies and journals; undefined for a repeat. Refusals (TransitionRefusedError, ...) throw and change nothing. */
  record(event: LifecycleEvent, ctx: RecordContext): Applied | undefined {
    const applied = this.state.apply(event);
    if (applied === undefined) return undefined;
    const { transition: t } = applied;
    const order = t.after;
    const doc: TransitionDocument = {
      order,
      event,
      source: ctx.source,
      venue: this.state.route(order.orderId)?.venue ?? '',
      ...(ctx.command ? { command: ctx.command } : {}),
    };
    const kind: JournalEntryKind = event.type === 'Fill' ? 'execution' : 'order.state';
    const command = ctx.command;
    const immediate = command !== undefined && this.dispatcher.inProcess(order);
    this.writer.append(
      {
        kind,
        actor: ctx.actor,
        requestId: ctx.requestId,
        accountId: order.accountId,
        subjectId: order.orderId,
        instrumentId: order.instrumentId,
        before: t.before === null ? null : { order: t.before as unknown as JsonObject },
        after: doc as unknown as JsonObject,
      },
      () => {
        this.outbox.published(applied);
        if (command && !immediate) this.dispatcher.dispatch(order, command, event.atMicros);
      },
    );
    if (immediate) this.dispatcher.dispatch(order, command, event.atMicros);
    return applied;
  }
}
