// Splits the TCP byte stream into size-prefixed request frames. A frame that arrives whole inside
// one chunk is handed on as a view of that chunk; a frame split across chunks is assembled once
// into a buffer of its exact size.

export class FrameTooLargeError extends Error {}

export class FrameDecoder {
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFill = 0;
  private frame: Buffer | null = null;
  private frameFill = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds a chunk; calls onFrame for every complete frame in it. Throws FrameTooLargeError. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        if (this.sizeFill === 0 && chunk.length - at >= 4) {
          const size = chunk.readInt32BE(at);
          this.checkSize(size);
          if (chunk.length - at - 4 >= size) {
            onFrame(chunk.subarray(at + 4, at + 4 + size));
            at += 4 + size;
            continue;
          }
          this.frame = Buffer.allocUnsafe(size);
          this.frameFill = 0;
          at += 4;
        } else {
          const n = Math.min(4 - this.sizeFill, chunk.length - at);
          chunk.copy(this.sizeBytes, this.sizeFill, at, at + n);
          this.sizeFill += n;
          at += n;
          if (this.sizeFill < 4) return;
          this.sizeFill = 0;
          const size = this.sizeBytes.readInt32BE(0);
          this.checkSize(size);
          this.frame = Buffer.allocUnsafe(size);
          this.frameFill = 0;
        }
      }
      const frame: Buffer = this.frame!;
      const n = Math.min(frame.length - this.frameFill, chunk.length - at);
      chunk.copy(frame, this.frameFill, at, at + n);
      this.frameFill += n;
      at += n;
      if (this.frameFill === frame.length) {
        this.frame = null;
        onFrame(frame);
      }
    }
  }

  private checkSize(size: number): void {
    if (size < 8 || size > this.maxFrameBytes) {
      throw new FrameTooLargeError(`invalid request size ${size} (limit ${this.maxFrameBytes})`);
    }
  }
}
