// The log of one topic-partition: an ordered list of segments, the last one active. Appends assign
// offsets by patching each batch's baseOffset; reads hand back whole stored batches.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode, type ErrorCode as ErrorCodeT } from '../protocol/error-codes';
import {
  BATCH_HEADER_SIZE,
  batchSizeAt,
  computeCrc,
  compressionOf,
  readBatchHeader,
  storedCrc,
  writeBaseOffset,
} from '../protocol/record-batch';
import { RequestReader } from '../protocol/reader';
import { LogSegment, SEGMENT_SUFFIX } from './log-segment';
import { type LogConfig } from './log-config';
import { ProducerStateTable, lastSequenceOf } from './producer-state';

export interface AppendResult {
  errorCode: ErrorCodeT;
  errorMessage: string | null;
  baseOffset: number;
}

export interface ReadResult {
  errorCode: ErrorCodeT;
  records: Buffer | null;
}

export interface PartitionLogOptions {
  fsync: boolean;
  onWarning?: (msg: string, fields: Record<string, unknown>) => void;
}

interface PendingBatch {
  at: number;
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  firstSeq: number;
  lastSeq: number;
  duplicateOf: number;
}

export class PartitionLog {
  private readonly segments: LogSegment[] = [];
  private readonly producers = new ProducerStateTable();
  private readonly appendListeners = new Set<() => void>();
  private closed = false;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    public config: LogConfig,
    private readonly options: PartitionLogOptions,
  ) {}

  /** Opens (recovering) or creates the partition directory `<dataDir>/<topic>-<partition>`. */
  static open(
    root: string,
    topic: string,
    partition: number,
    config: LogConfig,
    options: PartitionLogOptions,
  ): PartitionLog {
    const dir = path.join(root, `${topic}-${partition}`);
    fs.mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(topic, partition, dir, config, options);
    const bases = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(SEGMENT_SUFFIX) && /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const file = path.join(dir, `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`);
      const isLast = i === bases.length - 1;
      const { segment, truncatedBytes } = LogSegment.recover(file, base, isLast, (b) => {
        if (b.producerId >= 0) {
          log.producers.record(
            b.producerId,
            b.producerEpoch,
            b.baseSequence,
            lastSequenceOf(b.baseSequence, b.lastOffsetDelta),
            b.baseOffset,
          );
        }
      });
      log.segments.push(segment);
      if (truncatedBytes > 0) {
        options.onWarning?.('truncated incomplete batch data at end of segment', {
          topic,
          partition,
          file,
          truncatedBytes,
        });
        // Anything after a damaged segment no longer follows on from it.
        for (const later of bases.slice(i + 1)) {
          fs.rmSync(path.join(dir, `${String(later).padStart(20, '0')}${SEGMENT_SUFFIX}`), { force: true });
        }
        break;
      }
    }
    if (log.segments.length === 0) log.segments.push(LogSegment.create(dir, 0));
    return log;
  }

  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** Log end offset; with a single replica it is also the high watermark. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get sizeInBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /**
   * Validates and appends the record batches of one produce partition. All batches are checked
   * before any is written so a bad request leaves the log untouched.
   */
  append(records: Buffer): AppendResult {
    if (this.closed)
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'partition deleted',
        baseOffset: -1,
      };
    const pending: PendingBatch[] = [];
    let at = 0;
    while (at < records.length) {
      const size = batchSizeAt(records, at);
      if (size < BATCH_HEADER_SIZE || at + size > records.length) {
        return fail(ErrorCode.CORRUPT_MESSAGE, 'record batch is truncated or malformed');
      }
      const h = readBatchHeader(records, at);
      if (h.magic !== 2)
        return fail(
          ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
          `only record batch magic 2 is supported, got ${h.magic}`,
        );
      if (h.lastOffsetDelta < 0 || h.recordCount < 0)
        return fail(ErrorCode.CORRUPT_MESSAGE, 'invalid record count');
      if (computeCrc(records, at, size) !== storedCrc(records, at))
        return fail(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC mismatch');
      if (size > this.config.maxMessageBytes) {
        return fail(
          ErrorCode.MESSAGE_TOO_LARGE,
          `batch of ${size} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`,
        );
      }
      if ((h.attributes & 0x10) !== 0)
        return fail(ErrorCode.INVALID_TXN_STATE, 'transactional produce is not supported by this broker');
      const firstSeq = h.baseSequence;
      const lastSeq = h.producerId >= 0 ? lastSequenceOf(h.baseSequence, h.lastOffsetDelta) : -1;
      let duplicateOf = -1;
      if (h.producerId >= 0) {
        const check = this.producers.check(h.producerId, h.producerEpoch, firstSeq, lastSeq);
        if (check.kind === 'error') return fail(check.code, check.message);
        if (check.kind === 'duplicate') duplicateOf = check.baseOffset;
      }
      pending.push({
        at,
        size,
        lastOffsetDelta: h.lastOffsetDelta,
        maxTimestamp: h.maxTimestamp,
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        firstSeq,
        lastSeq,
        duplicateOf,
      });
      at += size;
    }
    if (pending.length === 0) return fail(ErrorCode.CORRUPT_MESSAGE, 'no record batch in produce request');

    let firstBase = -1;
    for (const b of pending) {
      if (b.duplicateOf >= 0) {
        // A retry of a batch already in the log: acknowledge it again without a second copy.
        if (firstBase < 0) firstBase = b.duplicateOf;
        continue;
      }
      const base = this.logEndOffset;
      this.maybeRoll(b.size);
      const batch = records.subarray(b.at, b.at + b.size);
      writeBaseOffset(batch, 0, base);
      this.active.append(batch, base, b.lastOffsetDelta, b.maxTimestamp);
      if (b.producerId >= 0)
        this.producers.record(b.producerId, b.producerEpoch, b.firstSeq, b.lastSeq, base);
      if (firstBase < 0) firstBase = base;
    }
    if (this.options.fsync) this.active.flush();
    for (const l of this.appendListeners) l();
    return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: firstBase };
  }

  private maybeRoll(incoming: number): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const tooBig = seg.size + incoming > this.config.segmentBytes;
    const tooOld = Date.now() - seg.createdAt >= this.config.segmentMs;
    if (tooBig || tooOld) {
      if (this.options.fsync) seg.flush();
      this.segments.push(LogSegment.create(this.dir, seg.nextOffset));
    }
  }

  /** Whole batches from `offset`, at most maxBytes unless minOneBatch and the first batch alone is larger. */
  read(offset: number, maxBytes: number, minOneBatch = true): ReadResult {
    if (offset === this.logEndOffset) return { errorCode: ErrorCode.NONE, records: Buffer.alloc(0) };
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: null };
    }
    const seg = this.segmentFor(offset);
    return { errorCode: ErrorCode.NONE, records: seg.read(offset, maxBytes, minOneBatch) };
  }

  /** Bytes a fetch from `offset` could return now; decides when a waiting fetch is satisfied. */
  bytesAvailableFrom(offset: number): number {
    if (offset >= this.logEndOffset || offset < this.logStartOffset) return 0;
    let total = 0;
    for (let i = this.segments.indexOf(this.segmentFor(offset)); i < this.segments.length; i++) {
      const s = this.segments[i]!;
      total += s.baseOffset <= offset ? s.bytesFrom(offset) : s.size;
    }
    return total;
  }

  private segmentFor(offset: number): LogSegment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo]!;
  }

  /** Earliest offset whose record timestamp is >= timestamp, or null when no record is that late. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const seg of this.segments) {
      const found = seg.findBatchByTimestamp(timestamp);
      if (!found) continue;
      const exact =
        compressionOf(readBatchHeader(found.batch, 0).attributes) === 0
          ? exactRecordByTimestamp(found.batch, timestamp)
          : null;
      if (exact) return { offset: found.baseOffset + exact.offsetDelta, timestamp: exact.timestamp };
      return { offset: found.baseOffset, timestamp: readBatchHeader(found.batch, 0).maxTimestamp };
    }
    return null;
  }

  /**
   * Deletes whole segments that fall outside retention.ms or retention.bytes, oldest first. As in
   * Kafka the active segment goes too when it qualifies: an empty segment is rolled in its place
   * first, so the log start moves to the log end. Returns the number removed.
   */
  enforceRetention(now: number): number {
    let removed = 0;
    const { retentionMs, retentionBytes } = this.config;
    if (!this.config.cleanupPolicy.split(',').includes('delete')) return 0;
    let size = this.sizeInBytes;
    for (;;) {
      const oldest = this.segments[0]!;
      if (oldest.size === 0) break;
      const newest = oldest.maxTimestamp >= 0 ? oldest.maxTimestamp : oldest.createdAt;
      const expired = retentionMs >= 0 && now - newest > retentionMs;
      const oversize = retentionBytes >= 0 && size - oldest.size >= retentionBytes;
      if (!expired && !oversize) break;
      if (this.segments.length === 1) this.segments.push(LogSegment.create(this.dir, oldest.nextOffset));
      this.segments.shift();
      size -= oldest.size;
      oldest.delete();
      removed++;
    }
    return removed;
  }

  flush(): void {
    for (const s of this.segments) s.flush();
  }

  close(): void {
    this.closed = true;
    for (const s of this.segments) s.close();
    // Waiting fetches re-evaluate and see the partition gone.
    for (const l of this.appendListeners) l();
  }

  deleteFiles(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function fail(code: ErrorCodeT, message: string): AppendResult {
  return { errorCode: code, errorMessage: message, baseOffset: -1 };
}

/** Walks the records of one uncompressed batch to find the first with timestamp >= target. */
function exactRecordByTimestamp(
  batch: Buffer,
  target: number,
): { offsetDelta: number; timestamp: number } | null {
  try {
    const h = readBatchHeader(batch, 0);
    const r = new RequestReader(batch, BATCH_HEADER_SIZE);
    for (let i = 0; i < h.recordCount; i++) {
      const length = r.varint();
      const recordEnd = r.offset + length;
      r.int8(); // attributes
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      const ts = h.baseTimestamp + timestampDelta;
      if (ts >= target) return { offsetDelta, timestamp: ts };
      r.offset = recordEnd;
    }
  } catch {
    // A batch we cannot walk falls back to its base offset.
  }
  return null;
}
