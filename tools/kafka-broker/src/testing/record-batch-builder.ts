// Encodes v2 record batches for tests that speak the protocol over a raw socket.
import { crc32c } from '../protocol/crc32c';

export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<[string, Buffer]>;
  timestampDelta?: number;
}

export interface BatchOptions {
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

function varint(n: number): Buffer {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function sized(b: Buffer | null): Buffer[] {
  return b === null ? [varint(-1)] : [varint(b.length), b];
}

export function buildRecordBatch(records: TestRecord[], opts: BatchOptions = {}): Buffer {
  const baseTimestamp = opts.baseTimestamp ?? Date.now();
  let maxTimestamp = baseTimestamp;
  const encoded = records.map((r, i) => {
    const ts = r.timestampDelta ?? 0;
    maxTimestamp = Math.max(maxTimestamp, baseTimestamp + ts);
    const headers = r.headers ?? [];
    const body = Buffer.concat([
      Buffer.from([0]),
      varint(ts),
      varint(i),
      ...sized(r.key),
      ...sized(r.value),
      varint(headers.length),
      ...headers.flatMap(([k, v]) => [...sized(Buffer.from(k)), ...sized(v)]),
    ]);
    return Buffer.concat([varint(body.length), body]);
  });
  const recordsBuf = Buffer.concat(encoded);
  const batch = Buffer.alloc(61 + recordsBuf.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12); // partition leader epoch
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeBigInt64BE(BigInt(opts.producerId ?? -1), 43);
  batch.writeInt16BE(opts.producerEpoch ?? -1, 51);
  batch.writeInt32BE(opts.baseSequence ?? -1, 53);
  batch.writeInt32BE(records.length, 57);
  recordsBuf.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}
