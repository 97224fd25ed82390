// kafkajs is patched (patches/kafkajs+2.2.4.patch) to encode and decode records with fewer
// allocations. These tests hold it to the Kafka wire format: against a reference encoder written
// here from the protocol spec (record batch v2), and against librdkafka (kcat) over a broker.
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { eventsV1 } from '@tapeline/contracts';
import { quote } from './testing/fixtures';
import { startTestBroker, testBus, uniquePrefix, waitFor, type TestBroker } from './testing/support';

// ---- kafkajs internals under test (no typings: the shapes used here) ----

type HeaderInput = Record<string, string | Buffer | (string | Buffer)[]>;
interface RecordInput {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: HeaderInput;
  offsetDelta?: number;
  timestampDelta?: number;
}
interface KafkajsEncoder {
  buffer: Buffer;
}
interface DecodedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  offset: string;
  timestamp: string;
}
const load = createRequire(require.resolve('kafkajs'));
const encodeRecord = load('./src/protocol/recordBatch/record/v0') as (r: RecordInput) => KafkajsEncoder;
const produceRequestV3 = load('./src/protocol/requests/produce/v3/request') as (args: {
  acks: number;
  timeout: number;
  producerId: number;
  producerEpoch: number;
  topicData: {
    topic: string;
    partitions: {
      partition: number;
      firstSequence: number;
      messages: (RecordInput & { timestamp: string })[];
    }[];
  }[];
}) => { encode(): Promise<KafkajsEncoder> };
const KafkajsDecoder = load('./src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeRecordBatch = load('./src/protocol/recordBatch/v0/decoder') as (
  d: unknown,
) => Promise<{ records: DecodedRecord[] }>;

// ---- reference encoding, from https://kafka.apache.org/documentation/#recordbatch ----

class Wire {
  private readonly bytes: number[] = [];
  int8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  int16(v: number): this {
    return this.int8(v >> 8).int8(v);
  }
  int32(v: number): this {
    return this.int8(v >>> 24)
      .int8(v >>> 16)
      .int8(v >>> 8)
      .int8(v);
  }
  int64(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    return this.int32(Number(u >> 32n)).int32(Number(u & 0xffffffffn));
  }
  /** Zigzag LEB128 (varint and varlong are the same for values that fit). */
  varlong(v: bigint | number): this {
    const b = BigInt(v);
    let z = BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
    while (z >= 0x80n) {
      this.int8(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    return this.int8(Number(z));
  }
  raw(b: Uint8Array): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  /** varint length + bytes; -1 for null. */
  varBytes(v: string | Buffer | null): this {
    if (v === null) return this.varlong(-1);
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    return this.varlong(b.length).raw(b);
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).raw(b);
  }
  get length(): number {
    return this.bytes.length;
  }
  done(): Buffer {
    return Buffer.from(this.bytes);
  }
}

function referenceRecord(r: RecordInput): Buffer {
  const headers: [string, string | Buffer][] = [];
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
  }
  const body = new Wire()
    .int8(0) // attributes
    .varlong(r.timestampDelta ?? 0)
    .varlong(r.offsetDelta ?? 0)
    .varBytes(r.key)
    .varBytes(r.value)
    .varlong(headers.length);
  for (const [k, v] of headers) body.varBytes(k).varBytes(v);
  const b = body.done();
  return new Wire().varlong(b.length).raw(b).done();
}

/** CRC-32C (Castagnoli), bitwise. */
function crc32c(b: Uint8Array): number {
  let crc = 0xffffffff;
  for (const x of b) {
    crc ^= x;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

interface BatchSpec {
  baseOffset: bigint;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: RecordInput[];
}

function referenceBatch(s: BatchSpec): Buffer {
  const afterCrc = new Wire()
    .int16(0) // attributes: no compression, create time, not transactional
    .int32(s.records.length - 1) // lastOffsetDelta
    .int64(s.firstTimestamp)
    .int64(s.maxTimestamp)
    .int64(s.producerId)
    .int16(s.producerEpoch)
    .int32(s.baseSequence)
    .int32(s.records.length);
  for (const r of s.records) afterCrc.raw(referenceRecord(r));
  const tail = afterCrc.done();
  const fromEpoch = new Wire()
    .int32(0) // partitionLeaderEpoch
    .int8(2) // magic
    .int32(crc32c(tail))
    .raw(tail)
    .done();
  return new Wire().int64(s.baseOffset).int32(fromEpoch.length).raw(fromEpoch).done();
}

// Deterministic variety: null/empty/string/binary keys and values, multi-byte UTF-8, repeated
// headers, values long enough for 2- and 3-byte length varints, deltas beyond 32 bits.
function sampleRecords(count: number): RecordInput[] {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd(256)));
  const text = (n: number): string =>
    Array.from({ length: n }, () => ['a', 'Z', '-', 'é', '€', '😀'][rnd(6)]).join('');
  const data = (): string | Buffer | null => {
    switch (rnd(6)) {
      case 0:
        return null;
      case 1:
        return '';
      case 2:
        return text(rnd(40));
      case 3:
        return bytes(rnd(3) === 0 ? 17_000 : rnd(300));
      default:
        return bytes(rnd(120));
    }
  };
  const deltas = [0, 1, -1, 63, 64, -65, 8191, 8192, 2 ** 27, -(2 ** 27) - 1, 2 ** 31, -(2 ** 33), 2 ** 40];
  return Array.from({ length: count }, (_, i) => {
    const headers: HeaderInput = {};
    for (let h = rnd(5); h > 0; h--) {
      const k = rnd(4) === 0 ? 'dup' : text(1 + rnd(12));
      const repeated = (): (string | Buffer)[] => [
        text(rnd(10)),
        bytes(rnd(60)),
        ...(rnd(2) ? [text(3)] : []),
      ];
      headers[k] = rnd(3) === 0 ? repeated() : rnd(2) ? text(rnd(60)) : bytes(rnd(60));
    }
    return {
      key: data(),
      value: data(),
      headers,
      offsetDelta: i,
      timestampDelta: deltas[rnd(deltas.length)]!,
    };
  });
}

test('the reference encoding matches hand-written bytes of the Kafka record format', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283); // the CRC-32C check value
  // length 12, attributes 0, timestamp delta 0, offset delta 0, key "k", value "v", 1 header a=b
  const expected = Buffer.from('18000000026b02760202610262', 'hex');
  const r = { key: 'k', value: 'v', headers: { a: 'b' } };
  assert.deepEqual(referenceRecord(r), expected);
  assert.deepEqual(encodeRecord(r).buffer, expected);
});

test('kafkajs encodes every record byte for byte as the reference does', () => {
  for (const r of sampleRecords(3000)) {
    const got = encodeRecord(r).buffer;
    const want = referenceRecord(r);
    if (!got.equals(want))
      assert.fail(`record ${r.offsetDelta} differs: ${got.toString('hex')} vs ${want.toString('hex')}`);
  }
});

test('kafkajs produce requests carry reference record batches', async () => {
  const base = 1_714_566_896_000;
  const records = sampleRecords(700);
  // Same digit count throughout: kafkajs sorts message timestamps as strings.
  const timestamps = records.map((_, i) => base + ((i * 7919) % 5000) * 1_000_000);
  const messages = records.map((r, i) => ({
    key: r.key,
    value: r.value,
    headers: r.headers ?? {},
    timestamp: String(timestamps[i]),
  }));
  const first = Math.min(...timestamps);
  const request = await produceRequestV3({
    acks: -1,
    timeout: 30_000,
    producerId: 4242,
    producerEpoch: 3,
    topicData: [{ topic: 'dev.quotes', partitions: [{ partition: 2, firstSequence: 77, messages }] }],
  }).encode();
  const batch = referenceBatch({
    baseOffset: 0n,
    firstTimestamp: BigInt(first),
    maxTimestamp: BigInt(Math.max(...timestamps)),
    producerId: 4242n,
    producerEpoch: 3,
    baseSequence: 77,
    records: records.map((r, i) => ({ ...r, offsetDelta: i, timestampDelta: timestamps[i]! - first })),
  });
  const want = new Wire()
    .string(null) // transactional id
    .int16(-1) // acks
    .int32(30_000)
    .int32(1) // topics
    .string('dev.quotes')
    .int32(1) // partitions
    .int32(2)
    .int32(batch.length)
    .raw(batch)
    .done();
  assert.equal(request.buffer.length, want.length);
  assert.ok(request.buffer.equals(want), 'produce request differs from the reference');
});

test('kafkajs decodes reference record batches into the same keys, values, headers, offsets and timestamps', async () => {
  const records = sampleRecords(1500);
  const baseOffset = 9_007_199_254_740_000n; // offsets past 2^53 stay exact
  const firstTimestamp = 1_714_566_896_000n;
  const batch = referenceBatch({
    baseOffset,
    firstTimestamp,
    maxTimestamp: firstTimestamp,
    producerId: -1n,
    producerEpoch: 0,
    baseSequence: 0,
    records,
  });
  const { records: decoded } = await decodeRecordBatch(new KafkajsDecoder(batch));
  assert.equal(decoded.length, records.length);
  const asBuffer = (v: string | Buffer | null): Buffer | null =>
    v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  records.forEach((r, i) => {
    const d = decoded[i]!;
    assert.deepEqual(d.key, asBuffer(r.key), `record ${i} key`);
    assert.deepEqual(d.value, asBuffer(r.value), `record ${i} value`);
    assert.equal(d.offset, (baseOffset + BigInt(r.offsetDelta ?? 0)).toString(), `record ${i} offset`);
    assert.equal(
      d.timestamp,
      (firstTimestamp + BigInt(r.timestampDelta ?? 0)).toString(),
      `record ${i} timestamp`,
    );
    const headers: Record<string, Buffer | Buffer[]> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) {
      headers[k] = Array.isArray(v) ? v.map((x) => asBuffer(x)!) : asBuffer(v)!;
    }
    assert.deepEqual(d.headers, headers, `record ${i} headers`);
  });
});

// ---- against librdkafka (kcat), over the in-process broker ----

const KCAT = process.env['KCAT'] ?? 'kcat';
let broker: TestBroker;
let kcatMissing: string | false = false;
before(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  broker = await startTestBroker();
  kcatMissing = await new Promise((resolve) =>
    execFile(KCAT, ['-V'], (err) => resolve(err ? `${KCAT} not runnable: ${err.message}` : false)),
  );
});
after(async () => {
  await broker?.close();
  context.disable();
});

interface KcatMessage {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer;
  headers: string;
}

/** Every message of a topic, read by kcat with CRC checks on; binary-safe (lengths, then bytes). */
function kcatConsume(topic: string): Promise<KcatMessage[]> {
  return new Promise((resolve, reject) => {
    const args = ['-C', '-b', broker.brokers[0]!, '-t', topic, '-e', '-q', '-X', 'check.crcs=true'];
    args.push('-f', '%p %o %K %S %h\n%k%s');
    execFile(KCAT, args, { encoding: 'buffer', maxBuffer: 64 << 20, timeout: 30_000 }, (err, out) => {
      if (err) return reject(err);
      const messages: KcatMessage[] = [];
      let pos = 0;
      while (pos < out.length) {
        const nl = out.indexOf(0x0a, pos);
        const [p, o, k, s, h = ''] = out.toString('utf8', pos, nl).split(' ');
        pos = nl + 1;
        const keyLength = Number(k);
        const key = keyLength < 0 ? null : out.subarray(pos, (pos += keyLength));
        const value = out.subarray(pos, (pos += Number(s)));
        messages.push({ partition: Number(p), offset: Number(o), key, value, headers: h });
      }
      resolve(messages);
    });
  });
}

test('librdkafka reads back what the bus produced: keys, values and headers, CRCs checked', async (t) => {
  if (kcatMissing) return t.skip(kcatMissing);
  const bus = testBus(broker.brokers, uniquePrefix());
  try {
    await bus.ensureTopics();
    const events = Array.from({ length: 300 }, (_, i) => quote(`US${1000 + (i % 7)}.XNAS`, i));
    await bus.publishMany('quotes', events.slice(0, 250));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traced = trace.setSpanContext(context.active(), {
      traceId,
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
    });
    await context.with(traced, () => Promise.all(events.slice(250).map((e) => bus.publish('quotes', e))));

    const got = await kcatConsume(bus.config.topicPrefix + 'quotes');
    assert.equal(got.length, events.length);
    const bySequence = new Map(got.map((m) => [eventsV1.QuoteEvent.decode(m.value).sequence, m]));
    events.forEach((e, i) => {
      const m = bySequence.get(e.sequence);
      assert.ok(m, `event ${i} read back`);
      assert.deepEqual(m.value, Buffer.from(eventsV1.QuoteEvent.encode(e).finish()), `event ${i} value`);
      assert.equal(m.key?.toString(), e.instrumentId, `event ${i} key`);
      const schema = 'event-schema=tapeline.events.v1.QuoteEvent;v=1';
      if (i < 250) assert.equal(m.headers, schema, `event ${i} headers`);
      else
        assert.equal(
          m.headers,
          `${schema},traceparent=00-${traceId}-00f067aa0ba902b7-01`,
          `event ${i} headers`,
        );
    });
    // Per-key order survives: offsets rise with the sequence within each partition.
    for (const p of new Set(got.map((m) => m.partition))) {
      const seqs = got
        .filter((m) => m.partition === p)
        .map((m) => Number(eventsV1.QuoteEvent.decode(m.value).sequence));
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        `partition ${p} order`,
      );
    }
  } finally {
    await bus.close();
  }
});

test('kafkajs reads back what librdkafka produced, repeated and non-ASCII headers included', async (t) => {
  if (kcatMissing) return t.skip(kcatMissing);
  const topic = `${uniquePrefix()}from-kcat`;
  const lines = Array.from({ length: 50 }, (_, i) => `key-${i}\tvalue ${i} é€`).join('\n') + '\n';
  await new Promise<void>((resolve, reject) => {
    const args = ['-P', '-b', broker.brokers[0]!, '-t', topic, '-p', '0', '-K', '\t'];
    args.push('-H', 'dup=first', '-H', 'dup=second', '-H', 'clé=välue', '-H', 'dup=third');
    const kcat = spawn(KCAT, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    kcat.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    kcat.on('error', reject);
    kcat.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}: ${stderr}`)),
    );
    kcat.stdin.end(lines);
  });

  const kafka = new Kafka({ clientId: 'wire-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  const got: { key: string | undefined; value: string | undefined; offset: string; headers: IHeaders }[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push({
          key: message.key?.toString(),
          value: message.value?.toString(),
          offset: message.offset,
          headers: message.headers ?? {},
        });
      },
    });
    await waitFor('all kcat messages', () => got.length === 50);
  } finally {
    await consumer.disconnect();
  }
  got.forEach((m, i) => {
    assert.equal(m.key, `key-${i}`);
    assert.equal(m.value, `value ${i} é€`);
    assert.equal(m.offset, String(i));
    assert.deepEqual(m.headers, {
      dup: [Buffer.from('first'), Buffer.from('second'), Buffer.from('third')],
      clé: Buffer.from('välue'),
    });
  });
});
