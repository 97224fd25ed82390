// The journal's write-ahead log: the point where an entry becomes durable (ADR 0007 as amended:
// the oms acknowledges once the WAL holds the entry; ClickHouse follows). A local append-only file
// costs one write and one fdatasync per batch, where a ClickHouse insert costs 10+ ms.
//
// Layout: a directory of segments `journal-<n>.wal` (n = 1, 2, ... zero-padded), each an 8-byte
// magic then records: [u32 LE payload length][u32 LE CRC-32 of length bytes + payload][payload],
// payload = the entry as its ClickHouse row (toJournalRow) in JSON. A batch is one write and one
// fdatasync. Only the tail of the newest segment can be torn (a crash during the write that was
// never acknowledged): a short or mis-checksummed record there ends the log and is cut off at open.
// A new segment (and its directory entry) is fsync'd before its first record is written, and each
// open starts a new segment, so a segment never continues after a cut.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fromJournalRow, type JournalEntry, type JournalRow } from '@tapeline/journal';
import { journalRow } from './journal-store';

const MAGIC = Buffer.from('TLJWAL01', 'latin1');
const HEADER = 8;
const SEGMENT_RE = /^journal-(\d{12})\.wal$/;
/** Larger than any entry the oms writes; a length beyond it can only be a torn or foreign record. */
const MAX_RECORD = 64 * 1024 * 1024;

export type WalErrorCode = 'WAL_CORRUPT' | 'WAL_CLOSED';

export class WalError extends Error {
  override readonly name = 'WalError';
  constructor(
    readonly code: WalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Where an entry becomes durable before its change is acknowledged. */
export interface DurableLog {
  /** Resolves once every entry is on stable storage. One call at a time (the writer serialises). */
  append(entries: readonly JournalEntry[]): Promise<void>;
  /** Entries through `sequence` are stored elsewhere (ClickHouse): the log may drop them. */
  release(sequence: bigint): Promise<void>;
}

/** What open() found: the entries of the log, oldest first, and the torn tail it cut off. */
export interface WalRecovery {
  readonly entries: JournalEntry[];
  readonly segments: number;
  /** Bytes of an unfinished record cut from the end of the newest segment (0: a clean end). */
  readonly tornBytes: number;
}

export interface JournalWalOptions {
  /** A segment is closed and a new one started once it holds this many bytes. */
  readonly segmentBytes: number;
}

interface Segment {
  readonly index: number;
  readonly file: string;
  /** Last sequence in it; undefined while empty. */
  last: bigint | undefined;
}

export class JournalWal implements DurableLog {
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly options: JournalWalOptions,
    private readonly segments: Segment[],
    private active: { segment: Segment; handle: FileHandle; bytes: number },
  ) {}

  /** Reads the log (cutting a torn tail), then starts a new segment for what is appended next. */
  static async open(
    dir: string,
    options: JournalWalOptions,
  ): Promise<{ wal: JournalWal; recovery: WalRecovery }> {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir)
      .map((name) => ({ name, m: SEGMENT_RE.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ index: Number(x.m[1]), file: path.join(dir, x.name) }))
      .sort((a, b) => a.index - b.index);
    const entries: JournalEntry[] = [];
    const segments: Segment[] = [];
    let tornBytes = 0;
    for (let i = 0; i < names.length; i++) {
      const { index, file } = names[i]!;
      const read = readSegment(await readFile(file), file);
      if (read.validBytes < read.size) {
        if (i < names.length - 1) {
          throw new WalError(
            'WAL_CORRUPT',
            `${file}: invalid record at byte ${read.validBytes} of ${read.size}, and newer segments follow`,
          );
        }
        tornBytes = read.size - read.validBytes;
        await cut(file, read.validBytes);
      }
      for (const entry of read.entries) entries.push(entry);
      segments.push({ index, file, last: read.entries[read.entries.length - 1]?.sequence });
    }
    const next = await createSegment(dir, (segments[segments.length - 1]?.index ?? 0) + 1);
    segments.push(next.segment);
    const wal = new JournalWal(dir, options, segments, next);
    return { wal, recovery: { entries, segments: names.length, tornBytes } };
  }

  async append(entries: readonly JournalEntry[]): Promise<void> {
    if (this.closed) throw new WalError('WAL_CLOSED', 'the write-ahead log is closed');
    if (entries.length === 0) return;
    if (this.active.bytes >= this.options.segmentBytes) await this.rotate();
    const records = encodeRecords(entries);
    const { handle, segment } = this.active;
    let written = 0;
    while (written < records.length) {
      const { bytesWritten } = await handle.write(
        records,
        written,
        records.length - written,
        this.active.bytes + written,
      );
      written += bytesWritten;
    }
    await handle.datasync();
    this.active.bytes += records.length;
    segment.last = entries[entries.length - 1]!.sequence;
  }

  /** Deletes the closed segments whose entries are all through `sequence`. */
  async release(sequence: bigint): Promise<void> {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest.last !== undefined && oldest.last > sequence) return;
      this.segments.shift();
      await unlink(oldest.file);
    }
  }

  /** Segments on disk (the active one included). */
  get segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.active.handle.close();
  }

  private async rotate(): Promise<void> {
    const next = await createSegment(this.dir, this.active.segment.index + 1);
    await this.active.handle.close();
    this.segments.push(next.segment);
    this.active = next;
  }
}

/** Entries as one buffer of records (one write per batch). */
export function encodeRecords(entries: readonly JournalEntry[]): Buffer {
  const payloads = entries.map((e) => JSON.stringify(journalRow(e)));
  let size = 0;
  for (const p of payloads) size += HEADER + Buffer.byteLength(p);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of payloads) {
    const length = out.write(p, at + HEADER, 'utf8');
    out.writeUInt32LE(length, at);
    out.writeUInt32LE(
      crc32(out.subarray(at + HEADER, at + HEADER + length), crc32(out.subarray(at, at + 4))),
      at + 4,
    );
    at += HEADER + length;
  }
  return out;
}

/** The valid records of a segment: they end at its end, or at the first short or damaged one. */
function readSegment(
  data: Buffer,
  file: string,
): { entries: JournalEntry[]; validBytes: number; size: number } {
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    // A segment is created with its magic and fsync'd before it is used: anything else is not ours.
    if (data.length >= MAGIC.length || !MAGIC.subarray(0, data.length).equals(data)) {
      throw new WalError('WAL_CORRUPT', `${file} is not a journal write-ahead log segment`);
    }
    return { entries: [], validBytes: 0, size: data.length };
  }
  const entries: JournalEntry[] = [];
  let at = MAGIC.length;
  while (at + HEADER <= data.length) {
    const length = data.readUInt32LE(at);
    const end = at + HEADER + length;
    if (length > MAX_RECORD || end > data.length) break;
    const crc = crc32(data.subarray(at + HEADER, end), crc32(data.subarray(at, at + 4)));
    if (crc !== data.readUInt32LE(at + 4)) break;
    entries.push(fromJournalRow(JSON.parse(data.toString('utf8', at + HEADER, end)) as JournalRow));
    at = end;
  }
  return { entries, validBytes: at, size: data.length };
}

async function cut(file: string, size: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(size);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A new segment with its magic, fsync'd with its directory entry before anything relies on it. */
async function createSegment(
  dir: string,
  index: number,
): Promise<{ segment: Segment; handle: FileHandle; bytes: number }> {
  const file = path.join(dir, `journal-${String(index).padStart(12, '0')}.wal`);
  const handle = await open(file, 'wx');
  await handle.write(MAGIC, 0, MAGIC.length, 0);
  await handle.sync();
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return { segment: { index, file, last: undefined }, handle, bytes: MAGIC.length };
}
