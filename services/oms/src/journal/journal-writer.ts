// The single journal writer (ADR 0007): chains every entry as it is appended (so sequence order is
// the order in which the oms changed its state) and takes it through two stages, each with one
// operation in flight while the next batch gathers (group commit):
//   1. the write-ahead log (DurableLog: one write + fdatasync per batch). This is the durability
//      point: then run what depends on the entry being durable — venue commands, bus publications,
//      stream updates, the answers to the callers (durable()).
//   2. ClickHouse, the journal auditors query (JournalAppender: one insert per batch, retried),
//      after which the log may drop the entries (stored()). An insert costs the embedded engine
//      ~10 ms of CPU whatever its size, so durable entries linger up to insertLingerMs to share
//      one, unless a batch is full or a reader waits for them (stored()).
// A crash between 1 and 2 loses nothing: at start the log's entries past the stored ones are
// inserted before the state is rebuilt (see storeLogTail in use-cases/rebuild-state.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { JournalChain, JournalDraft, JournalEntry } from '@tapeline/journal';
import type { Logger } from '@tapeline/telemetry';
import { HistoryError } from '@tapeline/history';
import type { JournalAppender } from './journal-store';
import type { DurableLog } from './journal-wal';

/** Work that may run only once its entry is durable: a venue command, a publication. */
export type DurableEffect = () => void;

export interface JournalWriterOptions {
  /** Entries per log write and per ClickHouse insert, at most. */
  readonly batchMax: number;
  /** How long a durable entry may wait for others to share its ClickHouse insert (default 0). */
  readonly insertLingerMs?: number;
  /** Retries of a failing insert stop after this long; the process then stops (see onFatal). */
  readonly retryForMs?: number;
  /** Called with the entries of every durable batch, in order (the `journal` topic). */
  readonly onDurable?: (entries: readonly JournalEntry[]) => void;
  /**
   * The journal cannot be written: state in memory is ahead of what is durable and nothing more
   * may be acknowledged. The service exits and rebuilds from the journal on restart.
   */
  readonly onFatal: (err: Error) => void;
}

interface Queued {
  readonly entry: JournalEntry;
  readonly effect: DurableEffect | undefined;
}

interface Waiter {
  readonly sequence: bigint;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class JournalWriter {
  private queue: Queued[] = [];
  private logging = false;
  private scheduled = false;
  private durableSequence: bigint;
  /** Durable entries not yet in ClickHouse, oldest first. */
  private unstored: JournalEntry[] = [];
  private inserting = false;
  private linger: NodeJS.Timeout | undefined;
  private storedSequence: bigint;
  private failed: Error | undefined;
  private readonly durableWaiters: Waiter[] = [];
  private readonly storedWaiters: Waiter[] = [];

  constructor(
    private readonly chain: JournalChain,
    private readonly log: DurableLog,
    private readonly store: JournalAppender,
    private readonly logger: Logger,
    private readonly options: JournalWriterOptions,
  ) {
    this.durableSequence = chain.head.sequence;
    this.storedSequence = chain.head.sequence;
  }

  get head(): { sequence: bigint; hash: string } {
    return this.chain.head;
  }

  /** Chains the entry now (synchronously) and writes it with the next batch. */
  append(draft: JournalDraft, effect?: DurableEffect): JournalEntry {
    if (this.failed) throw this.failed;
    const entry = this.chain.append(draft);
    this.queue.push({ entry, effect });
    if (!this.scheduled && !this.logging) {
      // Appends made in the same turn of the event loop go out in one write.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    }
    return entry;
  }

  /** Resolves once every entry appended so far is durable (and its effects have run). */
  durable(): Promise<void> {
    return this.wait(this.durableWaiters, this.durableSequence);
  }

  /** Resolves once every entry appended so far is in ClickHouse (what QueryJournal reads). */
  stored(): Promise<void> {
    const done = this.wait(this.storedWaiters, this.storedSequence);
    this.startInsert();
    return done;
  }

  /**
   * durable(), then durable() again for what the effects appended meanwhile (a simulated venue
   * answers a command at once): the caller's answer then includes the venue's reports.
   */
  async settled(): Promise<void> {
    await this.durable();
    await new Promise((r) => setImmediate(r));
    await this.durable();
  }

  private wait(waiters: Waiter[], reached: bigint): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const sequence = this.chain.head.sequence;
    if (reached >= sequence) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ sequence, resolve, reject }));
  }

  /** Stage 1: the log. */
  private async drain(): Promise<void> {
    if (this.logging) return;
    this.logging = true;
    try {
      while (this.queue.length > 0 && !this.failed) {
        const batch = this.queue.splice(0, this.options.batchMax);
        const entries = batch.map((q) => q.entry);
        // No retry: after a failed fsync the kernel may have dropped the dirty pages (the error is
        // reported once), so a retried fsync could succeed on data that is not on disk.
        await this.log.append(entries);
        this.durableSequence = entries[entries.length - 1]!.sequence;
        for (const entry of entries) this.unstored.push(entry);
        this.startInsert();
        for (const q of batch) {
          try {
            q.effect?.();
          } catch (err) {
            this.logger.error({ err, sequence: q.entry.sequence.toString() }, 'journal effect failed');
          }
        }
        this.options.onDurable?.(entries);
        release(this.durableWaiters, this.durableSequence);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.logging = false;
    }
  }

  /** Inserts now when a batch is full or a reader waits, else once the linger is over. */
  private startInsert(): void {
    if (this.inserting || this.unstored.length === 0 || this.failed) return;
    const lingerMs = this.options.insertLingerMs ?? 0;
    if (lingerMs === 0 || this.urgent()) {
      if (this.linger !== undefined) clearTimeout(this.linger);
      this.linger = undefined;
      void this.insert();
    } else {
      this.linger ??= setTimeout(() => {
        this.linger = undefined;
        void this.insert();
      }, lingerMs);
    }
  }

  private urgent(): boolean {
    return this.unstored.length >= this.options.batchMax || this.storedWaiters.length > 0;
  }

  /** Stage 2: ClickHouse, then the log drops what ClickHouse holds. */
  private async insert(): Promise<void> {
    if (this.inserting) return;
    this.inserting = true;
    try {
      for (let first = true; this.unstored.length > 0 && !this.failed; first = false) {
        // What arrived during an insert waits for its own linger, unless it is urgent too.
        if (!first && !this.urgent() && (this.options.insertLingerMs ?? 0) > 0) break;
        const entries = this.unstored.splice(0, this.options.batchMax);
        await this.insertWithRetry(entries);
        this.storedSequence = entries[entries.length - 1]!.sequence;
        release(this.storedWaiters, this.storedSequence);
        await this.log
          .release(this.storedSequence)
          .catch((err: unknown) => this.logger.warn({ err }, 'write-ahead log segments not released'));
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.inserting = false;
    }
    this.startInsert();
  }

  private async insertWithRetry(entries: JournalEntry[]): Promise<void> {
    const deadline = Date.now() + (this.options.retryForMs ?? 30_000);
    for (let attempt = 1, delay = 50; ; attempt++, delay = Math.min(delay * 2, 2000)) {
      try {
        await this.store.append(entries);
        return;
      } catch (err) {
        const retryable = err instanceof HistoryError && err.retryable;
        if (!retryable || Date.now() + delay > deadline) throw err;
        this.logger.warn({ err, attempt, entries: entries.length }, 'journal insert failed; retrying');
        await sleep(delay);
      }
    }
  }

  private fail(cause: unknown): void {
    if (this.failed) return;
    const err = cause instanceof Error ? cause : new Error(String(cause));
    this.failed = new Error(`journal write failed: ${err.message}`, { cause: err });
    this.logger.fatal({ err }, 'journal write failed: no further change can be made durable');
    if (this.linger !== undefined) clearTimeout(this.linger);
    for (const w of this.durableWaiters.splice(0)) w.reject(this.failed);
    for (const w of this.storedWaiters.splice(0)) w.reject(this.failed);
    this.options.onFatal(this.failed);
  }
}

function release(waiters: Waiter[], reached: bigint): void {
  let i = 0;
  while (i < waiters.length) {
    const w = waiters[i]!;
    if (w.sequence <= reached) {
      waiters.splice(i, 1);
      w.resolve();
    } else i++;
  }
}
