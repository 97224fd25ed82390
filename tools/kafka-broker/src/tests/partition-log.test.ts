// The on-disk log without the network: offsets, segment roll, recovery of a torn tail after a
// crash, and producer state rebuilt from batch headers.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_CONFIG } from '../config';
import { type LogConfig } from '../log/log-config';
import { PartitionLog } from '../log/partition-log';
import { ErrorCode } from '../protocol/error-codes';
import { tempDataDir } from '../testing/test-broker';
import { buildRecordBatch } from '../testing/record-batch-builder';

const data = tempDataDir();
after(() => data.remove());

const config = (over: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_CONFIG.log, ...over });
const batch = (n: number, tag = 'v', opts = {}): Buffer =>
  buildRecordBatch(
    Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${tag}${i}`.padEnd(50, '.')) })),
    opts,
  );

test('appends assign contiguous offsets and reads return whole batches', { timeout: 30000 }, () => {
  const log = PartitionLog.open(data.dir, 'offsets', 0, config(), { fsync: false });
  assert.equal(log.append(batch(3)).baseOffset, 0);
  assert.equal(log.append(batch(2)).baseOffset, 3);
  assert.equal(log.logEndOffset, 5);
  const all = log.read(0, 1 << 20).records!;
  assert.equal(all.readBigInt64BE(0), 0n);
  // Reading from inside the second batch returns that batch from its start.
  const second = log.read(4, 1 << 20).records!;
  assert.equal(second.readBigInt64BE(0), 3n);
  // A limit smaller than one batch still returns that first batch.
  assert.ok(log.read(0, 10).records!.length > 10);
  assert.equal(log.read(6, 100).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(log.read(5, 100).records!.length, 0);
  log.close();
});

test('segments roll by size and survive reopen', { timeout: 30000 }, () => {
  const cfg = config({ segmentBytes: 1000 });
  let log = PartitionLog.open(data.dir, 'roll', 0, cfg, { fsync: false });
  for (let i = 0; i < 20; i++) log.append(batch(2));
  assert.ok(log.segmentCount > 3, `segments: ${log.segmentCount}`);
  const segments = log.segmentCount;
  log.close();
  log = PartitionLog.open(data.dir, 'roll', 0, cfg, { fsync: false });
  assert.equal(log.segmentCount, segments);
  assert.equal(log.logEndOffset, 40);
  assert.equal(log.read(33, 1 << 20).records!.readBigInt64BE(0), 32n);
  log.close();
});

test('a torn batch at the end of the active segment is cut off at startup', { timeout: 30000 }, () => {
  let log = PartitionLog.open(data.dir, 'torn', 0, config(), { fsync: false });
  log.append(batch(4));
  log.append(batch(4));
  log.close();
  const file = path.join(data.dir, 'torn-0', '00000000000000000000.log');
  const intact = fs.statSync(file).size;
  // Half of a third batch, as a crash in the middle of write() would leave it.
  const partial = batch(4);
  partial.writeBigInt64BE(8n, 0);
  fs.appendFileSync(file, partial.subarray(0, 40));
  log = PartitionLog.open(data.dir, 'torn', 0, config(), { fsync: false });
  assert.equal(log.logEndOffset, 8);
  assert.equal(fs.statSync(file).size, intact);
  assert.equal(log.append(batch(1)).baseOffset, 8);
  log.close();

  // A complete-length batch whose bytes were not all written (bad CRC) is cut off too.
  const corrupt = batch(2);
  corrupt.writeBigInt64BE(9n, 0);
  corrupt[corrupt.length - 5]! ^= 0x55;
  const before = fs.statSync(file).size;
  fs.appendFileSync(file, corrupt);
  log = PartitionLog.open(data.dir, 'torn', 0, config(), { fsync: false });
  assert.equal(log.logEndOffset, 9);
  assert.equal(fs.statSync(file).size, before);
  log.close();
});

test('idempotent producer state is rebuilt from the log after a restart', { timeout: 30000 }, () => {
  let log = PartitionLog.open(data.dir, 'pid', 0, config(), { fsync: false });
  const p = { producerId: 42, producerEpoch: 0 };
  assert.equal(log.append(batch(3, 'a', { ...p, baseSequence: 0 })).baseOffset, 0);
  assert.equal(log.append(batch(3, 'b', { ...p, baseSequence: 3 })).baseOffset, 3);
  log.close();
  log = PartitionLog.open(data.dir, 'pid', 0, config(), { fsync: false });
  // The retry of the last batch after a restart is still recognised.
  assert.deepEqual(log.append(batch(3, 'b', { ...p, baseSequence: 3 })), {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    baseOffset: 3,
  });
  assert.equal(log.logEndOffset, 6);
  assert.equal(
    log.append(batch(1, 'c', { ...p, baseSequence: 7 })).errorCode,
    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  );
  assert.equal(log.append(batch(1, 'c', { ...p, baseSequence: 6 })).baseOffset, 6);
  log.close();
});

test('offsetForTimestamp finds the first record at or after a time', { timeout: 30000 }, () => {
  const log = PartitionLog.open(data.dir, 'time', 0, config(), { fsync: false });
  const base = 1_700_000_000_000;
  log.append(
    buildRecordBatch(
      [
        { key: null, value: Buffer.from('a') },
        { key: null, value: Buffer.from('b'), timestampDelta: 10 },
      ],
      { baseTimestamp: base },
    ),
  );
  log.append(buildRecordBatch([{ key: null, value: Buffer.from('c') }], { baseTimestamp: base + 100 }));
  assert.deepEqual(log.offsetForTimestamp(base), { offset: 0, timestamp: base });
  assert.deepEqual(log.offsetForTimestamp(base + 5), { offset: 1, timestamp: base + 10 });
  assert.deepEqual(log.offsetForTimestamp(base + 50), { offset: 2, timestamp: base + 100 });
  assert.equal(log.offsetForTimestamp(base + 1000), null);
  log.close();
});
