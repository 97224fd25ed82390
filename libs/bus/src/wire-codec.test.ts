import assert from 'node:assert/strict';
import test from 'node:test';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { eventsV1 } from '@tapeline/contracts';
import { FastReader, FastWriter } from './wire-codec';

// Decimal strings around every boundary the fast path draws (15 digits, 2^31, 2^32, 2^53, the
// int64 range) and strings it must leave to the original code (signs, spaces, hex, exponents).
const INT64_STRINGS = [
  '0',
  '1',
  '-1',
  '127',
  '128',
  '-128',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '4294967295',
  '4294967296',
  '-4294967296',
  '1714566896000061',
  '999999999999999',
  '-999999999999999',
  '9007199254740990',
  '-9007199254740991',
  '9007199254740992',
  '9999999999999999',
  '-9999999999999999',
  '9007199254740991',
  '9007199254740993',
  '-9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
  '000000000000042',
  '-0',
  '+5',
  ' 12',
  '0x1f',
];
const BAD_INT64 = ['', '1.5', '1e3', 'abc', '-', '9223372036854775808', '12345678901234567890'];

function bytesOf(write: (w: BinaryWriter) => void, writer: BinaryWriter): Uint8Array | string {
  try {
    write(writer);
    return writer.finish();
  } catch (err) {
    writer.finish();
    return `throws ${(err as Error).message}`;
  }
}

test('FastWriter writes int64 and uint64 strings byte for byte as BinaryWriter does', () => {
  const rnd = (n: number): number => Math.floor(Math.random() * n);
  const random = Array.from({ length: 2000 }, () => {
    const digits = 1 + rnd(19);
    let s = String(1 + rnd(9));
    for (let i = 1; i < digits; i++) s += String(rnd(10));
    return rnd(3) === 0 ? `-${s}` : s;
  });
  for (const s of [...INT64_STRINGS, ...BAD_INT64, ...random]) {
    for (const kind of ['int64', 'uint64'] as const) {
      const expected = bytesOf((w) => w.uint32(8)[kind](s).uint32(16), new BinaryWriter());
      const actual = bytesOf((w) => w.uint32(8)[kind](s).uint32(16), new FastWriter());
      assert.deepEqual(actual, expected, `${kind}(${JSON.stringify(s)})`);
    }
  }
});

test('a reused FastReader decodes every message as a fresh BinaryReader does', () => {
  const writer = new FastWriter();
  const reader = new FastReader();
  const events: eventsV1.QuoteEvent[] = INT64_STRINGS.filter((s) => /^-?[1-9]\d*$|^0$/.test(s)).map(
    (s, i) => ({
      instrumentId: i % 2 ? `US${i}.XNAS` : 'Zürich-€',
      venue: 'XNAS',
      sequence: s.startsWith('-') ? s.slice(1) : s,
      priceScale: i,
      sizeScale: 4,
      bidPrice: s,
      bidSize: '1',
      askPrice: s,
      askSize: '0',
      exchangeTimeMicros: '1714566896000000',
      receiveTimeMicros: s,
      publishTimeMicros: '-5',
    }),
  );
  for (const e of events) {
    const bytes = eventsV1.QuoteEvent.encode(e, writer).finish();
    assert.deepEqual(bytes, eventsV1.QuoteEvent.encode(e).finish());
    const fresh = eventsV1.QuoteEvent.decode(new BinaryReader(bytes));
    assert.deepEqual(eventsV1.QuoteEvent.decode(reader.reset(bytes)), fresh);
    assert.deepEqual(fresh, { ...e, sequence: BigInt.asUintN(64, BigInt(e.sequence)).toString() });
  }
  // A truncated payload still fails, and the reader serves the next message after it.
  const good = eventsV1.QuoteEvent.encode(events[3]!).finish();
  assert.throws(() => eventsV1.QuoteEvent.decode(reader.reset(good.subarray(0, good.length - 3))));
  assert.deepEqual(eventsV1.QuoteEvent.decode(reader.reset(good)), events[3]);
});

test('FastReader reads fixed-width fields of each message it is pointed at', () => {
  const reader = new FastReader();
  for (const [i, v] of [1.5, -2.25, 1e300].entries()) {
    const bytes = new BinaryWriter().double(v).fixed32(7).finish();
    const within = new Uint8Array(bytes.length + i); // at another offset of another buffer
    within.set(bytes, i);
    reader.reset(within.subarray(i));
    assert.equal(reader.double(), v);
    assert.equal(reader.fixed32(), 7);
  }
});
