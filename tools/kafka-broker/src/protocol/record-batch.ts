// Header of a v2 record batch (magic 2). The broker only ever reads these fixed-position fields;
// records themselves stay opaque bytes on the produce and fetch paths.
import { crc32c } from './crc32c';

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the part of the header not counted in batchLength. */
export const BATCH_LOG_OVERHEAD = 12;

const OFF_BASE_OFFSET = 0;
const OFF_LENGTH = 8;
const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;
const OFF_BASE_TIMESTAMP = 27;
const OFF_MAX_TIMESTAMP = 35;
const OFF_PRODUCER_ID = 43;
const OFF_PRODUCER_EPOCH = 51;
const OFF_BASE_SEQUENCE = 53;
const OFF_RECORD_COUNT = 57;

const ATTR_COMPRESSION_MASK = 0x07;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;

export interface BatchHeader {
  /** Total size on the wire including the 12-byte offset/length prefix. */
  size: number;
  magic: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/** Size of the batch starting at `at`, or -1 when fewer than 12 bytes are available. */
export function batchSizeAt(buf: Buffer, at: number): number {
  if (at + BATCH_LOG_OVERHEAD > buf.length) return -1;
  return BATCH_LOG_OVERHEAD + buf.readInt32BE(at + OFF_LENGTH);
}

export function readBatchHeader(buf: Buffer, at: number): BatchHeader {
  return {
    size: BATCH_LOG_OVERHEAD + buf.readInt32BE(at + OFF_LENGTH),
    magic: buf.readInt8(at + OFF_MAGIC),
    attributes: buf.readInt16BE(at + OFF_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(at + OFF_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, at + OFF_BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, at + OFF_MAX_TIMESTAMP),
    producerId: readInt64(buf, at + OFF_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + OFF_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + OFF_BASE_SEQUENCE),
    recordCount: buf.readInt32BE(at + OFF_RECORD_COUNT),
  };
}

export function readBaseOffset(buf: Buffer, at: number): number {
  return readInt64(buf, at + OFF_BASE_OFFSET);
}

/** baseOffset lies outside the CRC-covered range, so patching it keeps the batch valid. */
export function writeBaseOffset(buf: Buffer, at: number, baseOffset: number): void {
  buf.writeInt32BE(Math.floor(baseOffset / 4294967296), at + OFF_BASE_OFFSET);
  buf.writeUInt32BE(baseOffset >>> 0, at + OFF_BASE_OFFSET + 4);
}

export function storedCrc(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at + OFF_CRC);
}

/** CRC-32C from the attributes field to the end of the batch, as the v2 format defines it. */
export function computeCrc(buf: Buffer, at: number, size: number): number {
  return crc32c(buf, at + OFF_ATTRIBUTES, at + size);
}

export function isTransactional(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

export function isControl(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

export function compressionOf(attributes: number): number {
  return attributes & ATTR_COMPRESSION_MASK;
}
