// Faster protobuf wire primitives under the unchanged ts-proto generated codecs (libs/contracts
// stays the one source of truth: the generated encode/decode functions decide which field goes
// where; these classes only read and write the varints they ask for).
//
// Our events carry int64 fields as decimal strings (ts-proto forceLong=string). @bufbuild's writer
// parses every one into a BigInt (range check, DataView round trip) before writing the varint.
// Plain decimal strings of safe integers - prices, sizes, sequences and microsecond timestamps all
// are - take a number path here with the same bytes; anything else (beyond 2^53, signs other than
// a leading '-', spaces, hex) takes the original code, so errors and edge cases behave exactly as
// before.
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 4294967296;

/** The reader's fields that are private in its declaration but that a subclass needs. */
interface ReaderState {
  buf: Uint8Array;
  len: number;
  pos: number;
}

/**
 * A BinaryReader that can be pointed at one message after another: no reader and no DataView per
 * message. (Reading int64s as numbers here does not pay: the generated code turns them into
 * strings, and a large number's toString() costs more than a BigInt's.)
 */
export class FastReader extends BinaryReader {
  constructor() {
    super(EMPTY);
  }

  /** Starts reading `buf` from its first byte. */
  reset(buf: Uint8Array): this {
    const s = this as unknown as ReaderState;
    s.buf = buf;
    s.len = buf.length;
    s.pos = 0;
    return this;
  }
}

// view is assigned in BinaryReader's constructor and used only by fixed-width fields (none in
// our events): kept lazy, so that reset() needs no DataView per message.
Object.defineProperty(FastReader.prototype, 'view', {
  configurable: true,
  get(this: ReaderState & { lazyView?: DataView }): DataView {
    const v = this.lazyView;
    if (v !== undefined && v.buffer === this.buf.buffer && v.byteOffset === this.buf.byteOffset) {
      if (v.byteLength === this.buf.byteLength) return v;
    }
    return (this.lazyView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  },
  set(this: { lazyView?: DataView }, _v: DataView) {
    this.lazyView = undefined;
  },
});

/** BinaryWriter's (private) 64-bit varint writer, which int64() and uint64() end in. */
interface VarintWriter {
  writeVarint64(lo: number, hi: number): unknown;
}

/** A BinaryWriter that writes int64/uint64 decimal strings of safe integers without a BigInt. */
export class FastWriter extends BinaryWriter {
  override int64(value: string | number | bigint): this {
    if (typeof value === 'string') {
      const n = plainInteger(value, true);
      if (n === n) return this.varint(n);
    }
    return super.int64(value);
  }

  override uint64(value: string | number | bigint): this {
    if (typeof value === 'string') {
      const n = plainInteger(value, false);
      if (n === n) return this.varint(n);
    }
    return super.uint64(value);
  }

  // Two's complement split of a safe integer: >>> 0 is the low word modulo 2^32 (negatives
  // included), and the high word is exact by division.
  private varint(n: number): this {
    const lo = n >>> 0;
    (this as unknown as VarintWriter).writeVarint64(lo, ((n - lo) / TWO_POW_32) | 0);
    return this;
  }
}

/**
 * The value of an optional '-' (when signed) and 1 to 16 decimal digits if it is a safe integer,
 * else NaN: strings that BigInt() parses to that same value.
 */
function plainInteger(s: string, signed: boolean): number {
  const len = s.length;
  let i = 0;
  let negative = false;
  if (signed && len > 0 && s.charCodeAt(0) === 45) {
    negative = true;
    i = 1;
  }
  const digits = len - i;
  if (digits < 1 || digits > 16) return NaN;
  let n = 0;
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  // Exact while it stays a safe integer; a 16-digit value beyond that may have rounded.
  if (n > Number.MAX_SAFE_INTEGER) return NaN;
  return negative ? -n : n;
}
