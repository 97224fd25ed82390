import type { JournalEntry } from '@tapeline/journal';
import type { JournalAppender, JournalReader } from '../journal/journal-store';
import type { DurableLog } from '../journal/journal-wal';

/** The journal table in memory, for tests of the write and restart paths without ClickHouse. */
export class MemoryJournal implements JournalReader, JournalAppender {
  constructor(readonly entries: JournalEntry[] = []) {}

  append(entries: readonly JournalEntry[]): Promise<void> {
    this.entries.push(...entries);
    return Promise.resolve();
  }

  maxSequence(): Promise<bigint> {
    return Promise.resolve(this.entries[this.entries.length - 1]?.sequence ?? 0n);
  }

  readFrom(from: bigint, limit: number, to?: bigint): Promise<JournalEntry[]> {
    return Promise.resolve(
      this.entries
        .filter((e) => e.sequence >= from && (to === undefined || e.sequence <= to))
        .slice(0, limit),
    );
  }
}

/** A write-ahead log in memory: what it holds and has released, for tests of the writer. */
export class MemoryLog implements DurableLog {
  readonly entries: JournalEntry[] = [];
  released = 0n;

  append(entries: readonly JournalEntry[]): Promise<void> {
    this.entries.push(...entries);
    return Promise.resolve();
  }

  release(sequence: bigint): Promise<void> {
    this.released = sequence;
    return Promise.resolve();
  }
}
