// Decodes the primitive types of the Kafka protocol (big-endian, non-flexible encodings) from a
// request frame. Byte fields are returned as views into the frame so record batches are never copied.

export class ProtocolDecodeError extends Error {}

export class RequestReader {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.buffer.length) {
      throw new ProtocolDecodeError(
        `request truncated: need ${n} bytes at ${at}, have ${this.buffer.length - at}`,
      );
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.need(1));
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    return this.buffer.readInt16BE(this.need(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.need(4));
  }

  /** int64 as a JS number: offsets, timestamps and producer ids stay far below 2^53. */
  int64(): number {
    const at = this.need(8);
    return this.buffer.readInt32BE(at) * 4294967296 + this.buffer.readUInt32BE(at + 4);
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolDecodeError('unexpected null string');
    return s;
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buffer.toString('utf8', at, at + len);
  }

  bytes(): Buffer {
    const b = this.nullableBytes();
    return b ?? Buffer.alloc(0);
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buffer.subarray(at, at + len);
  }

  array<T>(item: (r: RequestReader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  nullableArray<T>(item: (r: RequestReader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    // Each element takes at least one byte; refuse counts a corrupt frame could never hold.
    if (n > this.remaining) throw new ProtocolDecodeError(`array length ${n} exceeds request size`);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  /** Zig-zag varint as used inside v2 records. */
  varint(): number {
    const raw = this.uvarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  varlong(): number {
    return this.varint();
  }

  uvarint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.buffer.readUInt8(this.need(1));
      result += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return result;
      multiplier *= 128;
    }
    throw new ProtocolDecodeError('varint too long');
  }

  skip(n: number): void {
    this.need(n);
  }
}
