// The wire protocol seen through a raw socket: version negotiation, unsupported keys/versions,
// produce validation, idempotent sequence checks, acks=0 and long-polling fetches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { type RequestReader } from '../protocol/reader';
import { type ResponseWriter } from '../protocol/writer';
import { useTestBroker } from '../testing/test-broker';
import { RawKafkaClient } from '../testing/raw-client';
import { buildRecordBatch, type BatchOptions } from '../testing/record-batch-builder';

const clients: RawKafkaClient[] = [];
const broker = useTestBroker(
  { defaultPartitions: 1 },
  {
    beforeStop: () => {
      for (const c of clients) c.close();
    },
  },
);

async function connect(): Promise<RawKafkaClient> {
  const c = await RawKafkaClient.connect(broker.port);
  clients.push(c);
  return c;
}

function readApiVersions(r: RequestReader): { errorCode: number; apis: Map<number, [number, number]> } {
  const errorCode = r.int16();
  const apis = new Map<number, [number, number]>();
  for (const [k, min, max] of r.array((r) => [r.int16(), r.int16(), r.int16()] as const))
    apis.set(k, [min, max]);
  return { errorCode, apis };
}

function produceBody(topic: string, batch: Buffer, acks = -1): (w: ResponseWriter) => void {
  return (w) => {
    w.nullableString(null).int16(acks).int32(5000);
    w.int32(1).string(topic);
    w.int32(1).int32(0).bytes(batch);
  };
}

function readProduce(r: RequestReader): { errorCode: number; baseOffset: number } {
  r.int32(); // topics
  r.string();
  r.int32(); // partitions
  r.int32();
  const errorCode = r.int16();
  const baseOffset = r.int64();
  return { errorCode, baseOffset };
}

async function produce(
  c: RawKafkaClient,
  topic: string,
  n: number,
  opts: BatchOptions = {},
): Promise<{ errorCode: number; baseOffset: number }> {
  const batch = buildRecordBatch(
    Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })),
    opts,
  );
  return readProduce(await c.request(ApiKey.Produce, 3, produceBody(topic, batch)));
}

async function latestOffset(c: RawKafkaClient, topic: string): Promise<number> {
  const r = await c.request(ApiKey.ListOffsets, 1, (w) => {
    w.int32(-1).int32(1).string(topic).int32(1).int32(0).int64(-1);
  });
  r.int32();
  r.string();
  r.int32();
  r.int32();
  assert.equal(r.int16(), ErrorCode.NONE);
  r.int64();
  return r.int64();
}

test(
  'ApiVersions v0-v2 list every API; v3 gets UNSUPPORTED_VERSION in the v0 shape',
  { timeout: 30000 },
  async () => {
    const c = await connect();
    for (const v of [0, 1, 2]) {
      const res = readApiVersions(await c.request(ApiKey.ApiVersions, v, () => undefined));
      assert.equal(res.errorCode, ErrorCode.NONE);
      assert.deepEqual(res.apis.get(ApiKey.Produce), [3, 8]);
      assert.deepEqual(res.apis.get(ApiKey.Fetch), [4, 11]);
      assert.deepEqual(res.apis.get(ApiKey.ApiVersions), [0, 2]);
    }
    const v3 = readApiVersions(await c.request(ApiKey.ApiVersions, 3, (w) => w.int8(0)));
    assert.equal(v3.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(v3.apis.get(ApiKey.ApiVersions), [0, 2]);
  },
);

test(
  'unknown API keys and unsupported versions are answered, and the connection stays usable',
  { timeout: 30000 },
  async () => {
    const c = await connect();
    const unknown = await c.request(9999, 0, (w) => w.int32(0));
    assert.equal(unknown.int16(), ErrorCode.UNSUPPORTED_VERSION);
    const tooNew = await c.request(ApiKey.Metadata, 99, (w) => w.int32(-1));
    assert.equal(tooNew.int16(), ErrorCode.UNSUPPORTED_VERSION);
    const tooOld = await c.request(ApiKey.Produce, 2, (w) => w.int16(1));
    assert.equal(tooOld.int16(), ErrorCode.UNSUPPORTED_VERSION);
    const transactions = await c.request(24 /* AddPartitionsToTxn */, 0, (w) => w.int32(0));
    assert.equal(transactions.int16(), ErrorCode.UNSUPPORTED_VERSION);
    // Still answering normally afterwards.
    assert.equal(
      readApiVersions(await c.request(ApiKey.ApiVersions, 2, () => undefined)).errorCode,
      ErrorCode.NONE,
    );
    assert.equal(c.isClosed, false);
  },
);

test(
  'a request that cannot be decoded closes the connection instead of hanging',
  { timeout: 30000 },
  async () => {
    const c = await connect();
    await assert.rejects(
      c.request(ApiKey.Metadata, 1, (w) => w.int32(5)),
      /closed/,
    );
  },
);

test('produce validates record batches: CRC and magic', { timeout: 30000 }, async () => {
  const c = await connect();
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('x') }]);
  batch[batch.length - 1]! ^= 0xff;
  assert.equal(
    readProduce(await c.request(ApiKey.Produce, 3, produceBody('crc-check', batch))).errorCode,
    ErrorCode.CORRUPT_MESSAGE,
  );
  const oldMagic = buildRecordBatch([{ key: null, value: Buffer.from('x') }]);
  oldMagic.writeInt8(1, 16);
  assert.equal(
    readProduce(await c.request(ApiKey.Produce, 3, produceBody('crc-check', oldMagic))).errorCode,
    ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  );
  assert.equal(await latestOffset(c, 'crc-check'), 0, 'nothing appended');
});

test(
  'idempotent produce: retried batch acked once, gaps rejected, stale epoch fenced',
  { timeout: 30000 },
  async () => {
    const c = await connect();
    const init = await c.request(ApiKey.InitProducerId, 1, (w) => w.nullableString(null).int32(60000));
    init.int32();
    assert.equal(init.int16(), ErrorCode.NONE);
    const producerId = init.int64();
    const epoch = init.int16();
    const topic = 'idempotence';
    const id = { producerId, producerEpoch: epoch };

    assert.deepEqual(await produce(c, topic, 3, { ...id, baseSequence: 0 }), {
      errorCode: ErrorCode.NONE,
      baseOffset: 0,
    });
    assert.deepEqual(await produce(c, topic, 2, { ...id, baseSequence: 3 }), {
      errorCode: ErrorCode.NONE,
      baseOffset: 3,
    });
    // The same batch again (a retry after a lost response): original offset, no second copy.
    assert.deepEqual(await produce(c, topic, 3, { ...id, baseSequence: 0 }), {
      errorCode: ErrorCode.NONE,
      baseOffset: 0,
    });
    assert.deepEqual(await produce(c, topic, 2, { ...id, baseSequence: 3 }), {
      errorCode: ErrorCode.NONE,
      baseOffset: 3,
    });
    assert.equal(await latestOffset(c, topic), 5);
    // A gap in the sequence.
    assert.equal(
      (await produce(c, topic, 1, { ...id, baseSequence: 9 })).errorCode,
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    assert.deepEqual(await produce(c, topic, 1, { ...id, baseSequence: 5 }), {
      errorCode: ErrorCode.NONE,
      baseOffset: 5,
    });
    // A newer epoch restarts at 0; the old epoch is then fenced.
    assert.equal(
      (await produce(c, topic, 1, { producerId, producerEpoch: epoch + 1, baseSequence: 0 })).errorCode,
      ErrorCode.NONE,
    );
    assert.equal(
      (await produce(c, topic, 1, { ...id, baseSequence: 6 })).errorCode,
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    assert.equal(await latestOffset(c, topic), 7);
  },
);

test('acks=0 produce gets no response but is appended', { timeout: 30000 }, async () => {
  const c = await connect();
  const topic = 'fire-and-forget';
  await produce(c, topic, 1);
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('quiet') }]);
  c.send(ApiKey.Produce, 3, produceBody(topic, batch, 0));
  // The next response on this connection is for the ListOffsets, proving none came for acks=0.
  assert.equal(await latestOffset(c, topic), 2);
  // A failed acks=0 produce has no response to carry its error: the connection is closed instead.
  const bad = buildRecordBatch([{ key: null, value: Buffer.from('broken') }]);
  bad[bad.length - 1]! ^= 0xff;
  c.send(ApiKey.Produce, 3, produceBody(topic, bad, 0));
  await assert.rejects(latestOffset(c, topic), /closed/);
});

function fetchBody(topic: string, offset: number, maxWaitMs: number): (w: ResponseWriter) => void {
  return (w) => {
    w.int32(-1)
      .int32(maxWaitMs)
      .int32(1)
      .int32(1 << 20)
      .int8(0);
    w.int32(1)
      .string(topic)
      .int32(1)
      .int32(0)
      .int64(offset)
      .int32(1 << 20);
  };
}

function readFetchV4(r: RequestReader): { errorCode: number; highWatermark: number; records: Buffer } {
  r.int32(); // throttle
  r.int32();
  r.string();
  r.int32();
  r.int32();
  const errorCode = r.int16();
  const highWatermark = r.int64();
  r.int64(); // last stable offset
  r.int32(); // aborted transactions
  return { errorCode, highWatermark, records: r.bytes() };
}

test(
  'fetch long-polls: returns when data arrives, or after max wait when none does',
  { timeout: 30000 },
  async () => {
    const producer = await connect();
    const consumer = await connect();
    const topic = 'long-poll';
    await produce(producer, topic, 1);

    let started = Date.now();
    const empty = readFetchV4(await consumer.request(ApiKey.Fetch, 4, fetchBody(topic, 1, 400)));
    const waited = Date.now() - started;
    assert.equal(empty.errorCode, ErrorCode.NONE);
    assert.equal(empty.records.length, 0);
    assert.ok(waited >= 350 && waited < 5000, `waited ${waited}ms for max_wait_ms 400`);

    started = Date.now();
    const pending = consumer.request(ApiKey.Fetch, 4, fetchBody(topic, 1, 10000));
    setTimeout(() => void produce(producer, topic, 2), 100);
    const woke = readFetchV4(await pending);
    const latency = Date.now() - started;
    assert.ok(latency < 8000, `fetch answered ${latency}ms after start, not at max wait`);
    assert.equal(woke.highWatermark, 3);
    assert.ok(woke.records.length > 61, 'records returned');
    assert.equal(woke.records.readBigInt64BE(0), 1n, 'batch base offset patched by the broker');

    const outOfRange = readFetchV4(await consumer.request(ApiKey.Fetch, 4, fetchBody(topic, 99, 0)));
    assert.equal(outOfRange.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  },
);
