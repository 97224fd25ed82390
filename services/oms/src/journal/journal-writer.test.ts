import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JournalChain, type JournalDraft, type JournalEntry } from '@tapeline/journal';
import { createLogger } from '@tapeline/telemetry';
import { MemoryJournal, MemoryLog } from '../testing/memory-journal';
import { storeLogTail } from '../use-cases/rebuild-state';
import { JournalWriter } from './journal-writer';
import type { DurableLog } from './journal-wal';

const logger = createLogger('oms-test', 'silent');
const draft = (i: number): JournalDraft => ({
  kind: 'order.request',
  actor: { userId: 'alice', clientId: 'dev-trader', desk: 'EQ', role: 'trader' },
  requestId: `r-${i}`,
  subjectId: `O-${i}`,
});

/** A promise and the function that settles it, to hold a write or an insert where a test wants it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = () => new Promise((r) => setImmediate(r));

test('an entry is acknowledged once the log holds it, before ClickHouse does; the log is released after the insert', async () => {
  const log = new MemoryLog();
  const store = new MemoryJournal();
  const insert = gate();
  const slowStore = {
    append: async (entries: readonly JournalEntry[]) => {
      await insert.promise;
      await store.append(entries);
    },
  };
  const writer = new JournalWriter(new JournalChain({ clock: () => 1n }), log, slowStore, logger, {
    batchMax: 100,
    onFatal: (err) => assert.fail(err),
  });
  let effects = 0;
  writer.append(draft(1), () => effects++);
  writer.append(draft(2), () => effects++);
  let stored = false;
  const storedNow = writer.stored().then(() => (stored = true));
  await writer.durable();

  assert.deepEqual(
    log.entries.map((e) => e.sequence),
    [1n, 2n],
  );
  assert.equal(effects, 2, 'what depends on durability ran');
  assert.equal(store.entries.length, 0, 'ClickHouse has not got them yet');
  assert.equal(stored, false);
  assert.equal(log.released, 0n);

  insert.open();
  await storedNow;
  assert.deepEqual(
    store.entries.map((e) => e.sequence),
    [1n, 2n],
  );
  assert.equal(log.released, 2n);
});

test('appends made while a log write is in flight go out together in the next write (group commit)', async () => {
  const writes: bigint[][] = [];
  const first = gate();
  const log: DurableLog = {
    append: async (entries) => {
      writes.push(entries.map((e) => e.sequence));
      if (writes.length === 1) await first.promise;
    },
    release: () => Promise.resolve(),
  };
  const writer = new JournalWriter(new JournalChain({ clock: () => 1n }), log, new MemoryJournal(), logger, {
    batchMax: 100,
    onFatal: (err) => assert.fail(err),
  });
  writer.append(draft(1));
  await tick();
  for (let i = 2; i <= 4; i++) writer.append(draft(i));
  await tick();
  assert.deepEqual(writes, [[1n]], 'the second write waits for the first fsync');
  first.open();
  await writer.durable();
  assert.deepEqual(writes, [[1n], [2n, 3n, 4n]]);
});

test('durable entries wait to share one ClickHouse insert, which goes at once when a reader needs it', async () => {
  const inserts: bigint[][] = [];
  const store = {
    append: (entries: readonly JournalEntry[]) => {
      inserts.push(entries.map((e) => e.sequence));
      return Promise.resolve();
    },
  };
  const writer = new JournalWriter(new JournalChain({ clock: () => 1n }), new MemoryLog(), store, logger, {
    batchMax: 100,
    insertLingerMs: 60_000,
    onFatal: (err) => assert.fail(err),
  });
  writer.append(draft(1));
  await writer.durable();
  writer.append(draft(2));
  await writer.durable();
  await tick();
  assert.deepEqual(inserts, [], 'acknowledged, and lingering for more');
  await writer.stored(); // long before the linger is over
  assert.deepEqual(inserts, [[1n, 2n]]);
});

test('a failed log write fails every waiter, stops further appends and reports the fatal error', async () => {
  const fatal: Error[] = [];
  const log: DurableLog = {
    append: () => Promise.reject(new Error('EIO: i/o error, fdatasync')),
    release: () => Promise.resolve(),
  };
  const store = new MemoryJournal();
  const writer = new JournalWriter(new JournalChain({ clock: () => 1n }), log, store, logger, {
    batchMax: 100,
    onFatal: (err) => fatal.push(err),
  });
  let ran = false;
  writer.append(draft(1), () => (ran = true));
  await assert.rejects(writer.durable(), /journal write failed: EIO: i\/o error, fdatasync/);
  assert.equal(fatal.length, 1);
  assert.equal(ran, false, 'nothing that needs durability ran');
  assert.equal(store.entries.length, 0, 'nothing reached ClickHouse ahead of the log');
  assert.throws(() => writer.append(draft(2)), /journal write failed/);
});

test('at start, the log entries past the stored journal are inserted, and a gap between them is refused', async () => {
  const chain = new JournalChain({ clock: () => 1n });
  const all = [1, 2, 3, 4, 5].map((i) => chain.append(draft(i)));
  const store = new MemoryJournal(all.slice(0, 2));
  // The log still holds 2 (inserted just before the crash) and has 3..5 only there.
  const done = await storeLogTail(all.slice(1), store, 2);
  assert.deepEqual(done, { storedHead: 5n, inserted: 3 });
  assert.deepEqual(store.entries, all);

  const again = await storeLogTail(all, store, 2);
  assert.deepEqual(again, { storedHead: 5n, inserted: 0 }, 'nothing is inserted twice');

  const short = new MemoryJournal(all.slice(0, 1));
  await assert.rejects(storeLogTail(all.slice(2), short, 100), (err: Error & { code: string }) => {
    assert.equal(err.code, 'WAL_CORRUPT');
    assert.match(
      err.message,
      /journal entry 2 is missing: the stored journal ends at 1 and the write-ahead log holds 3 next/,
    );
    return true;
  });
  assert.equal(short.entries.length, 1, 'nothing is inserted past a gap');

  // A log of another journal (same sequences, other entries) does not continue this one.
  const other = new JournalChain({ clock: () => 2n });
  const foreign = [1, 2, 3].map((i) => other.append(draft(i + 100)));
  await assert.rejects(
    storeLogTail(foreign, new MemoryJournal(all.slice(0, 2)), 100),
    /write-ahead log entry 3 does not continue the journal: its prev_hash is [0-9a-f]{64}, the entry before it has hash [0-9a-f]{64}/,
  );
});
