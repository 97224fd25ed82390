import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromJournalRow, JournalChain, toJournalRow, type JournalEntry } from '@tapeline/journal';
import { encodeRecords, JournalWal, type WalError } from './journal-wal';

const root = mkdtempSync(path.join(tmpdir(), 'oms-wal-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(root, `wal-${++dirs}`);

const ACTOR = { userId: 'alice', clientId: 'dev-trader', desk: 'EQ', role: 'trader' };

/** `n` chained entries with before/after documents, as the oms writes them. */
function entries(
  n: number,
  chain = new JournalChain({ clock: () => 1_700_000_000_000_000n }),
): JournalEntry[] {
  return Array.from({ length: n }, (_, i) =>
    chain.append({
      kind: 'order.state',
      actor: ACTOR,
      requestId: `r-${i}`,
      accountId: 'EQ-CASH-1',
      subjectId: `O-${i + 1}`,
      instrumentId: 'AAPL.XNAS',
      before: null,
      after: { order: { orderId: `O-${i + 1}`, qty: BigInt(i + 1), text: 'ünïcødé' } },
    }),
  );
}

/** Entries as ClickHouse gives them back (bigints inside the documents become strings; same hashes). */
const asStored = (es: readonly JournalEntry[]) => es.map((e) => fromJournalRow(toJournalRow(e)));

const segmentsOf = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.wal'))
    .sort();

test('entries appended in batches are read back exactly at the next open', async () => {
  const dir = freshDir();
  const all = entries(7);
  const { wal, recovery } = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(recovery, { entries: [], segments: 0, tornBytes: 0 });
  await wal.append(all.slice(0, 3));
  await wal.append(all.slice(3));
  await wal.close();

  const reopened = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(reopened.recovery.entries, asStored(all));
  assert.equal(reopened.recovery.tornBytes, 0);
  // The next appends go to a new segment: the one read is never continued.
  assert.deepEqual(segmentsOf(dir), ['journal-000000000001.wal', 'journal-000000000002.wal']);
  await reopened.wal.close();
});

test('a torn last record (cut short by a crash) is dropped and cut off; the log continues cleanly', async () => {
  const dir = freshDir();
  const all = entries(5);
  const { wal } = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  await wal.append(all.slice(0, 2));
  await wal.close();
  const segment = path.join(dir, segmentsOf(dir)[0]!);
  const intactSize = statSync(segment).size;
  // The write of the third entry reached the disk only in part: its header and half its payload.
  const torn = encodeRecords(all.slice(2, 3));
  appendFileSync(segment, torn.subarray(0, Math.floor(torn.length / 2)));

  const reopened = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(reopened.recovery.entries, asStored(all.slice(0, 2)));
  assert.equal(reopened.recovery.tornBytes, Math.floor(torn.length / 2));
  assert.equal(statSync(segment).size, intactSize, 'the torn bytes are cut from the segment');
  // Written again after the restart (the oms re-chains from the stored head), then read back.
  await reopened.wal.append(all.slice(2));
  await reopened.wal.close();
  const third = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(third.recovery.entries, asStored(all));
  assert.equal(third.recovery.tornBytes, 0);
  await third.wal.close();
});

test('a last record whose bytes do not match its checksum is dropped like a torn one', async () => {
  const dir = freshDir();
  const all = entries(3);
  const { wal } = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  await wal.append(all);
  await wal.close();
  const segment = path.join(dir, segmentsOf(dir)[0]!);
  const bytes = readFileSync(segment);
  const last = encodeRecords(all.slice(2));
  // One flipped byte in the middle of the last record's payload (a sector that never made it).
  const at = bytes.length - Math.floor(last.length / 2);
  bytes[at] = bytes[at]! ^ 0x20;
  writeFileSync(segment, bytes);

  const reopened = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(reopened.recovery.entries, asStored(all.slice(0, 2)));
  assert.equal(reopened.recovery.tornBytes, last.length);
  await reopened.wal.close();
});

test('a damaged record in a segment that newer segments follow is refused as corruption', async () => {
  const dir = freshDir();
  const all = entries(4);
  const first = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  await first.wal.append(all.slice(0, 2));
  await first.wal.close();
  const second = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  await second.wal.append(all.slice(2));
  await second.wal.close();
  const older = path.join(dir, segmentsOf(dir)[0]!);
  const bytes = readFileSync(older);
  bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01;
  writeFileSync(older, bytes);

  await assert.rejects(JournalWal.open(dir, { segmentBytes: 1 << 20 }), (err: WalError) => {
    assert.equal(err.code, 'WAL_CORRUPT');
    assert.match(
      err.message,
      /journal-000000000001\.wal: invalid record at byte \d+ of \d+, and newer segments follow/,
    );
    return true;
  });
});

test('segments rotate at their size and go once ClickHouse holds all of their entries', async () => {
  const dir = freshDir();
  const all = entries(6);
  const oneRecord = encodeRecords(all.slice(0, 1)).length;
  // Room for about two records per segment: a segment closes once it holds two batches.
  const { wal } = await JournalWal.open(dir, { segmentBytes: 8 + 2 * oneRecord });
  for (const e of all) await wal.append([e]);
  assert.equal(wal.segmentCount, 3);
  await wal.release(all[2]!.sequence); // the first segment holds 1..2, the second 3..4
  assert.equal(wal.segmentCount, 2, 'the segment with entries 1..2 is gone, the one with 3..4 stays');
  await wal.release(all[5]!.sequence);
  assert.equal(wal.segmentCount, 1, 'the active segment always stays');
  await wal.close();
  const reopened = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(reopened.recovery.entries, asStored(all.slice(4)));
  await reopened.wal.close();
});

test('a file that is not a segment of this log is refused', async () => {
  const dir = freshDir();
  const { wal } = await JournalWal.open(dir, { segmentBytes: 1 << 20 });
  await wal.close();
  writeFileSync(path.join(dir, segmentsOf(dir)[0]!), 'definitely not a journal');
  await assert.rejects(
    JournalWal.open(dir, { segmentBytes: 1 << 20 }),
    /is not a journal write-ahead log segment/,
  );
});
