// Restart: the oms state is rebuilt from the journal (ClickHouse) before the service serves.
// 0. storeLogTail: entries the write-ahead log holds past the stored journal (acknowledged, their
//    inserts not done when the oms stopped) are inserted first, so step 1 reads one whole journal.
// 1. replayJournal: every order.state / execution entry's lifecycle event is applied again, in
//    sequence order, through the same OmsState.apply as the live path (orders, positions, stops,
//    execution reports); the chain is verified on the way and its head becomes the resume point.
// 2. recoverVenues: each simulated venue gets the journaled commands again (its books come back
//    exactly) and the events it produces are compared with the venue reports of the journal; those
//    past the journal (lost in the crash) are applied and journaled now. Orders in flight at
//    external (FIX) venues are asked for their status before new orders are accepted.
import {
  canonicalJson,
  GENESIS_PREV_HASH,
  verifyChain,
  type ChainHead,
  type JournalEntry,
  type JsonObject,
} from '@tapeline/journal';
import {
  isTerminal,
  parseLifecycleEvent,
  type LifecycleEvent,
  type OrderUpdateEvent,
} from '@tapeline/orders';
import type { SimulatedVenueCommand } from '@tapeline/venues';
import type { Logger } from '@tapeline/telemetry';
import type { JournalAppender, JournalReader } from '../journal/journal-store';
import { WalError } from '../journal/journal-wal';
import { journaledVenueCommand } from '../routing/venue-commands';
import { simulatedCommand, type VenueRegistry } from '../routing/venue-registry';
import type { VenueCommand } from '../state/lifecycle-recorder';
import { isHeldStop, type OmsState } from '../state/oms-state';
import type { VenueReports } from './venue-reports';

export interface ChainBreakReport {
  readonly sequence: bigint;
  readonly reason: string;
  readonly message: string;
}

export interface JournalReplay {
  readonly entries: number;
  /** Where the chain continues: the last stored entry (genesis when the journal is empty). */
  readonly head: ChainHead | undefined;
  readonly chainBreak: ChainBreakReport | undefined;
  /** Per simulated venue: the commands it was sent, in journal order. */
  readonly commands: Map<string, SimulatedVenueCommand[]>;
  /** Per venue: the reports it made, in journal order (as eventKey strings). */
  readonly venueReports: Map<string, string[]>;
}

/** What identifies a venue report when the replay is compared with the journal. */
export function eventKey(e: LifecycleEvent): string {
  return `${e.type}|${e.orderId}|${e.type === 'Fill' ? `${e.execId}|${e.lastQty}|${e.lastPx}` : ''}`;
}

interface StoredTransition {
  readonly event: JsonObject;
  readonly source?: string;
  readonly venue?: string;
  readonly command?: { kind: string; clOrdId?: string; orderQty?: string; price?: string };
}

/**
 * Step 0. `logged` is what the write-ahead log holds, oldest first; the entries in it up to the
 * stored head are already in ClickHouse. The rest must continue the stored journal, without a gap
 * and linked by prev_hash: an acknowledged entry found in neither place, or a log of another
 * journal, stops the start.
 */
export async function storeLogTail(
  logged: readonly JournalEntry[],
  store: JournalReader & JournalAppender & { maxSequence(): Promise<bigint> },
  batchMax: number,
): Promise<{ storedHead: bigint; inserted: number }> {
  const stored = await store.maxSequence();
  const tail = logged.filter((e) => e.sequence > stored);
  if (tail.length === 0) return { storedHead: stored, inserted: 0 };
  const [head] = stored > 0n ? await store.readFrom(stored, 1) : [];
  let prevHash = head?.hash ?? GENESIS_PREV_HASH;
  let expected = stored + 1n;
  for (const entry of tail) {
    if (entry.sequence !== expected) {
      throw new WalError(
        'WAL_CORRUPT',
        `journal entry ${expected} is missing: the stored journal ends at ${stored} and the ` +
          `write-ahead log holds ${entry.sequence} next`,
      );
    }
    if (entry.prevHash !== prevHash) {
      throw new WalError(
        'WAL_CORRUPT',
        `write-ahead log entry ${entry.sequence} does not continue the journal: its prev_hash is ` +
          `${entry.prevHash}, the entry before it has hash ${prevHash}`,
      );
    }
    prevHash = entry.hash;
    expected++;
  }
  for (let i = 0; i < tail.length; i += batchMax) await store.append(tail.slice(i, i + batchMax));
  return { storedHead: expected - 1n, inserted: tail.length };
}

export async function replayJournal(
  store: JournalReader,
  state: OmsState,
  logger: Logger,
  pageSize = 5000,
): Promise<JournalReplay> {
  const commands = new Map<string, SimulatedVenueCommand[]>();
  const venueReports = new Map<string, string[]>();
  let next = 1n;
  let prevHash: string | undefined;
  let last: JournalEntry | undefined;
  let chainBreak: ChainBreakReport | undefined;
  let count = 0;
  for (;;) {
    const page = await store.readFrom(next, pageSize);
    if (page.length === 0) break;
    if (!chainBreak) {
      const verdict = verifyChain(page, { from: next, ...(prevHash ? { expectedPrevHash: prevHash } : {}) });
      if (!verdict.ok) {
        chainBreak = { sequence: verdict.sequence, reason: verdict.reason, message: verdict.message };
        logger.error({ ...chainBreak, sequence: String(verdict.sequence) }, 'journal chain is broken');
      }
    }
    for (const entry of page) applyEntry(entry, state, commands, venueReports, logger);
    count += page.length;
    last = page[page.length - 1]!;
    next = last.sequence + 1n;
    prevHash = last.hash;
  }
  return {
    entries: count,
    head: last ? { sequence: last.sequence, hash: last.hash } : undefined,
    chainBreak,
    commands,
    venueReports,
  };
}

function applyEntry(
  entry: JournalEntry,
  state: OmsState,
  commands: Map<string, SimulatedVenueCommand[]>,
  venueReports: Map<string, string[]>,
  logger: Logger,
): void {
  const after = entry.after ?? {};
  if (entry.kind === 'kill_switch') {
    state.noteRequest('', entry.requestId);
    return;
  }
  if (entry.kind === 'order.request') {
    if (after.refused !== undefined) return;
    if (after.request === 'new') {
      state.registerRoute(entry.subjectId, entry.instrumentId, {
        venue: String(after.venue),
        venueSymbol: String(after.venueSymbol),
        currency: String(after.currency),
        multiplier: BigInt(String(after.multiplier)),
      });
    }
    state.noteRequest(entry.subjectId, entry.requestId);
    return;
  }
  if (entry.kind === 'venue.command') {
    // Seed, expiry, end of day: in journal order with the order commands.
    try {
      const own = journaledVenueCommand(entry)!;
      push(commands, own.venue, own.command);
    } catch (err) {
      logger.error({ err, sequence: String(entry.sequence) }, 'journaled venue command could not be read');
    }
    return;
  }
  if (entry.kind !== 'order.state' && entry.kind !== 'execution') return;
  const doc = after as unknown as StoredTransition;
  let event: LifecycleEvent;
  try {
    event = parseLifecycleEvent(canonicalJson(doc.event));
    state.apply(event);
  } catch (err) {
    logger.error({ err, sequence: String(entry.sequence) }, 'journaled transition could not be replayed');
    return;
  }
  const venue = doc.venue ?? '';
  if (doc.source === 'venue') push(venueReports, venue, eventKey(event));
  if (doc.command) {
    const route = state.route(event.orderId);
    const order = state.orders.get(event.orderId);
    if (route && order) {
      push(
        commands,
        venue,
        simulatedCommand(
          { order, venueSymbol: route.venueSymbol },
          parseCommand(doc.command),
          event.atMicros,
        ),
      );
    }
  }
}

function parseCommand(c: NonNullable<StoredTransition['command']>): VenueCommand {
  if (c.kind === 'cancel') return { kind: 'cancel', clOrdId: c.clOrdId ?? '' };
  if (c.kind === 'replace') {
    return {
      kind: 'replace',
      clOrdId: c.clOrdId ?? '',
      orderQty: BigInt(c.orderQty ?? '0'),
      ...(c.price !== undefined ? { price: BigInt(c.price) } : {}),
    };
  }
  return { kind: 'submit' };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

export interface VenueRecovery {
  readonly venue: string;
  readonly commands: number;
  /** Reports the journal had. */
  readonly journaled: number;
  /** Reports the replay produced past the journal, applied and journaled now. */
  readonly recovered: number;
  readonly diverged: boolean;
}

/** Step 2 for simulated venues: fresh books from the journaled commands; missing reports applied. */
export function recoverSimulatedVenues(
  replay: JournalReplay,
  venues: VenueRegistry,
  reports: VenueReports,
  logger: Logger,
): VenueRecovery[] {
  const out: VenueRecovery[] = [];
  for (const [name, venue] of venues.simulated()) {
    const commands = replay.commands.get(name) ?? [];
    const journaled = replay.venueReports.get(name) ?? [];
    const produced: OrderUpdateEvent[] = [];
    for (const command of commands) {
      try {
        produced.push(...venue.replay([command]));
      } catch {
        // The live dispatch failed the same way; the journal holds the oms's reject for it.
      }
    }
    let diverged = false;
    let recovered = 0;
    for (let i = 0; i < produced.length; i++) {
      const event = produced[i]!;
      if (i < journaled.length) {
        if (eventKey(event) !== journaled[i]) {
          diverged = true;
          logger.error(
            { venue: name, at: i, replayed: eventKey(event), journaled: journaled[i] },
            'venue replay diverged from the journal',
          );
          break;
        }
        continue;
      }
      reports.onVenueEvent(name, event);
      recovered++;
    }
    if (!diverged && journaled.length > produced.length) {
      diverged = true;
      logger.error(
        { venue: name, journaled: journaled.length, replayed: produced.length },
        'journal holds venue reports the replay did not produce',
      );
    }
    out.push({ venue: name, commands: commands.length, journaled: journaled.length, recovered, diverged });
  }
  return out;
}

/** Step 2 for external venues: a status request per order in flight; waits for them, up to the timeout. */
export async function reconcileExternalVenues(
  state: OmsState,
  venues: VenueRegistry,
  timeoutMs: number,
  logger: Logger,
): Promise<number> {
  const external = venues.external();
  if (external.size === 0) return 0;
  const asked: Promise<void>[] = [];
  for (const order of state.orders.openOrders()) {
    const route = state.route(order.orderId);
    if (!route || !external.has(route.venue) || isHeldStop(order) || isTerminal(order.status)) continue;
    const { venue, venueOrder } = venues.venueOrder(order);
    asked.push(venue.requestStatus(venueOrder));
  }
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  const outcome = await Promise.race([Promise.allSettled(asked), timer]);
  if (outcome === 'timeout')
    logger.warn({ orders: asked.length, timeoutMs }, 'venue status requests did not all answer in time');
  return asked.length;
}
