// One segment file of a partition log: record batches exactly as produced, back to back, with
// only baseOffset patched. The batch index (offset -> file position) lives in memory and is rebuilt
// at startup by walking batch headers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  computeCrc,
  readBaseOffset,
  readBatchHeader,
  storedCrc,
} from '../protocol/record-batch';

export const SEGMENT_SUFFIX = '.log';

/** Bytes at the end of the active segment whose CRCs are checked at startup to catch torn writes. */
const TAIL_CRC_CHECK_BYTES = 8 * 1024 * 1024;
const SCAN_WINDOW = 1024 * 1024;

export function segmentFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0') + SEGMENT_SUFFIX;
}

/** What startup recovery learns from a batch header; producer state is rebuilt from these. */
export interface ScannedBatch {
  baseOffset: number;
  lastOffsetDelta: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export class LogSegment {
  /** Offset the next batch appended here gets. */
  nextOffset: number;
  size = 0;
  /** Largest record timestamp in the segment; -1 when none carried one. */
  maxTimestamp = -1;
  /** Wall-clock time of the first append, for segment.ms rolling. */
  createdAt: number;
  private offsets: Float64Array;
  private positions: Float64Array;
  private count = 0;

  private constructor(
    readonly file: string,
    readonly baseOffset: number,
    private fd: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsets = new Float64Array(64);
    this.positions = new Float64Array(64);
    this.createdAt = Date.now();
  }

  get batchCount(): number {
    return this.count;
  }

  static create(dir: string, baseOffset: number): LogSegment {
    const file = path.join(dir, segmentFileName(baseOffset));
    return new LogSegment(file, baseOffset, fs.openSync(file, 'a+'));
  }

  /**
   * Opens an existing segment, indexing every batch. A tail that is not a complete, valid batch
   * (the remains of a write cut short by a crash) is truncated away.
   */
  static recover(
    file: string,
    baseOffset: number,
    checkTailCrc: boolean,
    onBatch: (b: ScannedBatch) => void,
  ): { segment: LogSegment; truncatedBytes: number } {
    const fd = fs.openSync(file, 'a+');
    const seg = new LogSegment(file, baseOffset, fd);
    const stat = fs.fstatSync(fd);
    const fileSize = stat.size;
    seg.createdAt = stat.mtimeMs;
    const crcFrom = checkTailCrc ? Math.max(0, fileSize - TAIL_CRC_CHECK_BYTES) : Infinity;
    const window = Buffer.allocUnsafe(SCAN_WINDOW);
    let winStart = 0;
    let winEnd = 0;
    let pos = 0;
    let expected = baseOffset;
    while (pos + BATCH_HEADER_SIZE <= fileSize) {
      if (pos < winStart || pos + BATCH_HEADER_SIZE > winEnd) {
        winStart = pos;
        winEnd = pos + fs.readSync(fd, window, 0, Math.min(SCAN_WINDOW, fileSize - pos), pos);
        if (winEnd - winStart < BATCH_HEADER_SIZE) break;
      }
      const at = pos - winStart;
      const h = readBatchHeader(window, at);
      const base = readBaseOffset(window, at);
      if (h.magic !== 2 || h.size < BATCH_HEADER_SIZE || pos + h.size > fileSize || h.lastOffsetDelta < 0)
        break;
      if (base !== expected && !(seg.count === 0 && base >= expected)) break;
      if (pos >= crcFrom) {
        const full = Buffer.allocUnsafe(h.size);
        fs.readSync(fd, full, 0, h.size, pos);
        if (computeCrc(full, 0, h.size) !== storedCrc(full, 0)) break;
      }
      seg.indexBatch(base, pos, h.maxTimestamp);
      expected = base + h.lastOffsetDelta + 1;
      onBatch({
        baseOffset: base,
        lastOffsetDelta: h.lastOffsetDelta,
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
      });
      pos += h.size;
    }
    if (pos < fileSize) fs.ftruncateSync(fd, pos);
    seg.size = pos;
    seg.nextOffset = expected;
    return { segment: seg, truncatedBytes: fileSize - pos };
  }

  private indexBatch(baseOffset: number, position: number, maxTimestamp: number): void {
    if (this.count === this.offsets.length) {
      const offsets = new Float64Array(this.count * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const positions = new Float64Array(this.count * 2);
      positions.set(this.positions);
      this.positions = positions;
    }
    this.offsets[this.count] = baseOffset;
    this.positions[this.count] = position;
    this.count++;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
  }

  /** Appends one batch (its baseOffset already patched) and returns where it landed. */
  append(batch: Buffer, baseOffset: number, lastOffsetDelta: number, maxTimestamp: number): void {
    if (this.count === 0) this.createdAt = Date.now();
    let written = 0;
    while (written < batch.length) written += fs.writeSync(this.fd, batch, written, batch.length - written);
    this.indexBatch(baseOffset, this.size, maxTimestamp);
    this.size += batch.length;
    this.nextOffset = baseOffset + lastOffsetDelta + 1;
  }

  /** Index of the batch holding `offset` (the last batch whose base is <= offset). */
  private batchIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Bytes from the batch holding `offset` to the end of this segment. */
  bytesFrom(offset: number): number {
    if (offset >= this.nextOffset || this.count === 0) return 0;
    return this.size - this.positions[this.batchIndexFor(offset)]!;
  }

  /**
   * Whole batches starting with the one that holds `offset`, up to maxBytes. With minOneBatch the
   * first batch is returned even when larger, so a consumer can always make progress (KIP-74).
   */
  read(offset: number, maxBytes: number, minOneBatch: boolean): Buffer {
    if (offset >= this.nextOffset || this.count === 0) return Buffer.alloc(0);
    let i = this.batchIndexFor(offset);
    const start = this.positions[i]!;
    let end = i + 1 < this.count ? this.positions[i + 1]! : this.size;
    if (end - start > maxBytes && !minOneBatch) return Buffer.alloc(0);
    i++;
    while (i < this.count) {
      const next = i + 1 < this.count ? this.positions[i + 1]! : this.size;
      if (next - start > maxBytes) break;
      end = next;
      i++;
    }
    const buf = Buffer.allocUnsafe(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  /** First batch whose max timestamp reaches `timestamp`, for ListOffsets by time. */
  findBatchByTimestamp(timestamp: number): { baseOffset: number; batch: Buffer } | null {
    if (this.maxTimestamp < timestamp) return null;
    for (let i = 0; i < this.count; i++) {
      const pos = this.positions[i]!;
      const end = i + 1 < this.count ? this.positions[i + 1]! : this.size;
      const header = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
      fs.readSync(this.fd, header, 0, BATCH_HEADER_SIZE, pos);
      if (readBatchHeader(header, 0).maxTimestamp >= timestamp) {
        const batch = Buffer.allocUnsafe(end - pos);
        fs.readSync(this.fd, batch, 0, batch.length, pos);
        return { baseOffset: this.offsets[i]!, batch };
      }
    }
    return null;
  }

  flush(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  delete(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }
}
