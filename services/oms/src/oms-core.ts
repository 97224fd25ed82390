// The oms's start, in order: open the journal store and its write-ahead log, store what the log
// holds past the stored journal, rebuild the state from the journal, resume the chain, recover
// the venues (simulated books by replay, FIX orders by status request), then hand the parts to
// the Nest module. Nothing is served before this has finished.
import type { Bus } from '@tapeline/bus';
import { JournalChain, toJournalEntryEvent } from '@tapeline/journal';
import { toOrderEvent } from '@tapeline/orders';
import { nowMicros, type Logger } from '@tapeline/telemetry';
import type { OmsConfig } from './config';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalStore, type JournalAppender } from './journal/journal-store';
import { JournalWal } from './journal/journal-wal';
import { JournalWriter } from './journal/journal-writer';
import { VenueRegistry } from './routing/venue-registry';
import { VenueRouter } from './routing/venue-router';
import { LifecycleRecorder } from './state/lifecycle-recorder';
import { OmsState } from './state/oms-state';
import { UpdateFanout } from './state/update-fanout';
import { UpdatePublisher } from './state/update-publisher';
import {
  reconcileExternalVenues,
  recoverSimulatedVenues,
  replayJournal,
  storeLogTail,
} from './use-cases/rebuild-state';
import { VenueReports } from './use-cases/venue-reports';

export interface OmsCore {
  readonly config: OmsConfig;
  readonly logger: Logger;
  readonly bus: Bus;
  readonly store: JournalStore;
  readonly wal: JournalWal;
  readonly state: OmsState;
  readonly writer: JournalWriter;
  readonly recorder: LifecycleRecorder;
  readonly venues: VenueRegistry;
  readonly router: VenueRouter;
  readonly fanout: UpdateFanout;
  readonly clock: () => bigint;
}

export const clock = (): bigint => BigInt(nowMicros());

/**
 * Publication is at least once: an entry stored just before a crash may never have been published.
 * At start the newest journal entries go out again on `journal`, and the newest execution reports
 * with the current version of their orders on `executions` and `orders`; consumers drop what they
 * already have (journal sequence, ExecID, order version).
 */
async function republishTail(
  store: JournalStore,
  state: OmsState,
  bus: Bus,
  count: number,
  logger: Logger,
): Promise<void> {
  const failed = (topic: string) => (err: unknown) => logger.error({ err, topic }, 'republication failed');
  const tail = await store.latest(count);
  bus.publishMany('journal', tail.map(toJournalEntryEvent)).catch(failed('journal'));
  const executions = state.executions.slice(-count);
  const orderIds = new Set(executions.map((e) => e.orderId));
  bus
    .publishMany(
      'orders',
      [...orderIds].map((id) => toOrderEvent(state.orders.require(id))),
    )
    .catch(failed('orders'));
  bus.publishMany('executions', executions).catch(failed('executions'));
}

/** Tests only (OMS_JOURNAL_TEST_INSERT_DELAY_MS): ClickHouse made to lag the write-ahead log. */
function delayedInserts(store: JournalAppender, delayMs: number): JournalAppender {
  if (delayMs === 0) return store;
  return {
    append: async (entries) => {
      await sleep(delayMs);
      await store.append(entries);
    },
  };
}

export async function startOmsCore(config: OmsConfig, logger: Logger, bus: Bus): Promise<OmsCore> {
  const started = Date.now();
  const store = await JournalStore.open(
    {
      database: config.clickhouseDatabase,
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      dataPath: config.chdbDir,
    },
    logger,
  );
  const { wal, recovery } = await JournalWal.open(config.walDir, { segmentBytes: config.walSegmentBytes });
  const logTail = await storeLogTail(recovery.entries, store, config.journalBatchMax);
  await wal.release(logTail.storedHead);
  const state = new OmsState();
  const replay = await replayJournal(store, state, logger);

  const chain = new JournalChain({ clock, ...(replay.head ? { resumeFrom: replay.head } : {}) });
  const inserts = delayedInserts(store, config.journalTestInsertDelayMs);
  const writer = new JournalWriter(chain, wal, inserts, logger, {
    batchMax: config.journalBatchMax,
    insertLingerMs: config.journalInsertLingerMs,
    onDurable: (entries) =>
      bus
        .publishMany('journal', entries.map(toJournalEntryEvent))
        .catch((err: unknown) =>
          logger.error({ err, entries: entries.length }, 'journal publication failed'),
        ),
    // Memory is ahead of the stored journal and cannot be made durable: restart and rebuild.
    onFatal: () => {
      logger.flush();
      process.exit(1);
    },
  });
  const fanout = new UpdateFanout();
  const venues = new VenueRegistry(config.venues.venues, state, logger, config.fixDir, clock);
  const recorder = new LifecycleRecorder(
    state,
    writer,
    new UpdatePublisher(state, bus, fanout, logger),
    venues,
  );
  const reports = new VenueReports({ state, recorder }, logger);

  const recovered = recoverSimulatedVenues(replay, venues, reports, logger);
  await venues.start(reports);
  const reconciled = await reconcileExternalVenues(state, venues, config.reconcileTimeoutMs, logger);
  await writer.settled();

  if (config.journalRepublish > 0 && replay.entries > 0)
    await republishTail(store, state, bus, config.journalRepublish, logger);
  logger.info(
    {
      journal: config.clickhouseUrl ? 'server' : config.chdbDir,
      entries: replay.entries,
      // Entries found only in the write-ahead log (acknowledged, not yet inserted), now stored.
      fromWal: logTail.inserted,
      walTornBytes: recovery.tornBytes,
      head: writer.head.sequence.toString(),
      orders: state.orders.size,
      openOrders: state.orders.openOrders().length,
      chainBreak: replay.chainBreak ? String(replay.chainBreak.sequence) : undefined,
      venues: recovered,
      reconciled,
      elapsedMs: Date.now() - started,
    },
    'oms state rebuilt from the journal',
  );
  return {
    config,
    logger,
    bus,
    store,
    wal,
    state,
    writer,
    recorder,
    venues,
    router: new VenueRouter(config.venues),
    fanout,
    clock,
  };
}
