// A bare Kafka protocol client over a socket: sends a request frame and returns the response body,
// so tests can exercise what real clients never send.
import * as net from 'node:net';
import { RequestReader } from '../protocol/reader';
import { ResponseWriter } from '../protocol/writer';

export class RawKafkaClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting = new Map<
    number,
    { resolve: (body: Buffer) => void; reject: (err: Error) => void }
  >();
  private nextCorrelationId = 1;
  private closedError: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length < 4 + size) break;
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const correlationId = frame.readInt32BE(0);
        this.waiting.get(correlationId)?.resolve(frame.subarray(4));
        this.waiting.delete(correlationId);
      }
    });
    socket.on('close', () => {
      this.closedError = new Error('connection closed by broker');
      for (const w of this.waiting.values()) w.reject(this.closedError);
      this.waiting.clear();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new RawKafkaClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedError !== null;
  }

  /** Sends a request with header v1; resolves with the response body (after correlation id). */
  request(
    apiKey: number,
    apiVersion: number,
    body: (w: ResponseWriter) => void,
    timeoutMs = 5000,
  ): Promise<RequestReader> {
    const correlationId = this.nextCorrelationId++;
    const w = new ResponseWriter();
    w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('raw-test');
    body(w);
    const payload = Buffer.concat(w.toBuffers());
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    return new Promise((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        reject(new Error(`no response to api ${apiKey} v${apiVersion} within ${timeoutMs}ms`));
      }, timeoutMs);
      this.waiting.set(correlationId, {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(new RequestReader(Buffer.from(b)));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.socket.write(Buffer.concat([size, payload]));
    });
  }

  /** Sends a request that expects no response (Produce acks=0). */
  send(apiKey: number, apiVersion: number, body: (w: ResponseWriter) => void): void {
    const w = new ResponseWriter();
    w.int16(apiKey).int16(apiVersion).int32(this.nextCorrelationId++).nullableString('raw-test');
    body(w);
    const payload = Buffer.concat(w.toBuffers());
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
  }

  close(): void {
    this.socket.destroy();
  }
}
