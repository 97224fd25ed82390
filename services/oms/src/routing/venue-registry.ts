// The oms's venues, started from venues.yaml, and the one place commands reach them, in journal
// order (see CommandDispatcher.inProcess for when). The simulated venue is driven with explicit
// commands stamped with the journaled transition time, so replaying the journal after a crash
// feeds it exactly what it saw (SimulatedMatchingVenue.replay).
import path from 'node:path';
import {
  FixVenue,
  SimulatedMatchingVenue,
  type SimulatedVenueCommand,
  type Venue,
  type VenueOrder,
  type VenueSessionState,
  type VenueSink,
} from '@tapeline/venues';
import type { Order, OrderUpdateEvent } from '@tapeline/orders';
import type { Logger } from '@tapeline/telemetry';
import type { JournalWriter } from '../journal/journal-writer';
import type { CommandDispatcher, VenueCommand } from '../state/lifecycle-recorder';
import type { OmsState } from '../state/oms-state';
import { venueCommandDraft } from './venue-commands';
import type { VenueConfig } from './venue-config';

export class VenueUnavailableError extends Error {
  override readonly name = 'VenueUnavailableError';
  readonly code = 'VENUE_UNAVAILABLE';
}

/** Where venue reports and refused commands go (the live recorder, or a replay collector). */
export interface VenueListener {
  onVenueEvent(venue: string, event: OrderUpdateEvent): void;
  /** A command the venue could not take at all (session down, programming error). */
  onDispatchFailed(
    venue: string,
    order: Order,
    command: VenueCommand,
    reason: string,
    atMicros: bigint,
  ): void;
}

export class VenueRegistry implements CommandDispatcher {
  private readonly venues = new Map<string, Venue>();
  private readonly sessions = new Map<string, VenueSessionState>();
  private listener: VenueListener | undefined;
  private commandJournal: Pick<JournalWriter, 'append'> | undefined;

  /** `fixDir`: one session store (sequence numbers, sent messages) per FIX venue under it. */
  constructor(
    configs: readonly VenueConfig[],
    private readonly state: OmsState,
    private readonly logger: Logger,
    fixDir: string,
    clock: () => bigint,
  ) {
    for (const c of configs) {
      if (!c.enabled) continue;
      if (c.kind === 'simulated') {
        const name = c.name;
        // Only the venue's own commands (seed, expire, end of day) pass here: order commands are
        // applied with `apply` from their journaled transitions (dispatch).
        const onCommand = (command: SimulatedVenueCommand) => {
          if (!this.commandJournal) {
            throw new VenueUnavailableError(`venue ${name} has no journal for its ${command.kind} command`);
          }
          this.commandJournal.append(venueCommandDraft(name, command));
        };
        this.venues.set(name, new SimulatedMatchingVenue({ name, clock, onCommand }));
        continue;
      }
      this.venues.set(
        c.name,
        new FixVenue({
          name: c.name,
          dataDir: path.join(fixDir, c.name),
          host: c.host,
          port: c.port,
          senderCompId: c.senderCompId,
          targetCompId: c.targetCompId,
          heartbeatSeconds: c.heartbeatSeconds,
          cancelOnDisconnect: c.cancelOnDisconnect,
          clock,
        }),
      );
    }
  }

  /**
   * Where the simulated venues' own commands are journaled (write-ahead, in the step that applies
   * them); until this is set such a command is refused.
   */
  journalCommandsWith(writer: Pick<JournalWriter, 'append'>): void {
    this.commandJournal = writer;
  }

  names(): string[] {
    return [...this.venues.keys()];
  }

  has(name: string): boolean {
    return this.venues.has(name);
  }

  /** The simulated venues, for the replay of their commands at start. */
  simulated(): Map<string, SimulatedMatchingVenue> {
    const out = new Map<string, SimulatedMatchingVenue>();
    for (const [name, v] of this.venues) if (v instanceof SimulatedMatchingVenue) out.set(name, v);
    return out;
  }

  /** Non-simulated venues (FIX): their in-flight orders are reconciled with requestStatus at start. */
  external(): Map<string, Venue> {
    const out = new Map<string, Venue>();
    for (const [name, v] of this.venues) if (!(v instanceof SimulatedMatchingVenue)) out.set(name, v);
    return out;
  }

  async start(listener: VenueListener): Promise<void> {
    this.listener = listener;
    for (const [name, venue] of this.venues) {
      const sink: VenueSink = {
        onEvent: (event) => this.listener?.onVenueEvent(name, event),
        onSessionState: (venueName, state, reason) => {
          this.sessions.set(venueName, state);
          this.logger.info({ venue: venueName, state, reason }, 'venue session state');
        },
        onMalformed: (venueName, reason, message) =>
          this.logger.error({ venue: venueName, reason, message }, 'venue report not understood'),
      };
      await venue.start(sink);
    }
  }

  async stop(): Promise<void> {
    for (const venue of this.venues.values()) await venue.stop().catch(() => undefined);
  }

  venueOrder(order: Order): { venue: Venue; name: string; venueOrder: VenueOrder } {
    const route = this.state.route(order.orderId);
    const venue = route ? this.venues.get(route.venue) : undefined;
    if (!route || !venue) throw new VenueUnavailableError(`order ${order.orderId} has no started venue`);
    return { venue, name: route.venue, venueOrder: { order, venueSymbol: route.venueSymbol } };
  }

  inProcess(order: Order): boolean {
    const route = this.state.route(order.orderId);
    return route !== undefined && this.venues.get(route.venue) instanceof SimulatedMatchingVenue;
  }

  dispatch(order: Order, command: VenueCommand, atMicros: bigint): void {
    let target: ReturnType<VenueRegistry['venueOrder']>;
    try {
      target = this.venueOrder(order);
    } catch (err) {
      this.listener?.onDispatchFailed('', order, command, (err as Error).message, atMicros);
      return;
    }
    const { venue, name, venueOrder } = target;
    const failed = (err: unknown) =>
      this.listener?.onDispatchFailed(
        name,
        order,
        command,
        err instanceof Error ? err.message : String(err),
        atMicros,
      );
    if (venue instanceof SimulatedMatchingVenue) {
      try {
        venue.apply(simulatedCommand(venueOrder, command, atMicros));
      } catch (err) {
        failed(err);
      }
      return;
    }
    const sent =
      command.kind === 'submit'
        ? venue.submit(venueOrder)
        : command.kind === 'cancel'
          ? venue.cancel(venueOrder, command.clOrdId)
          : venue.replace(venueOrder, {
              clOrdId: command.clOrdId,
              orderQty: command.orderQty,
              ...(command.price !== undefined ? { price: command.price } : {}),
            });
    sent.catch(failed);
  }
}

/** The simulated venue's form of an oms command, stamped with the journaled transition time. */
export function simulatedCommand(
  order: VenueOrder,
  command: VenueCommand,
  atMicros: bigint,
): SimulatedVenueCommand {
  switch (command.kind) {
    case 'submit':
      return { kind: 'submit', atMicros, order };
    case 'cancel':
      return { kind: 'cancel', atMicros, order, cancelClOrdId: command.clOrdId };
    case 'replace':
      return {
        kind: 'replace',
        atMicros,
        order,
        replace: {
          clOrdId: command.clOrdId,
          orderQty: command.orderQty,
          ...(command.price !== undefined ? { price: command.price } : {}),
        },
      };
  }
}
