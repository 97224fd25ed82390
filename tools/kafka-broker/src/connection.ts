// One client connection. Requests are handled strictly one after another and answered in order,
// as a Kafka broker does per connection; a request that waits (long-poll Fetch, JoinGroup) holds
// back the ones behind it. Reading pauses while the client is not draining our responses.
import { type Socket } from 'node:net';
import {
  type ApiHandler,
  type ApiResponse,
  type BrokerState,
  type ConnectionInfo,
  type RequestContext,
} from './protocol/api';
import { ApiKey } from './protocol/api-keys';
import { encodeApiVersions } from './protocol/apis/api-versions';
import { ErrorCode, KafkaError } from './protocol/error-codes';
import { FrameDecoder } from './protocol/frame-decoder';
import { ProtocolDecodeError, RequestReader } from './protocol/reader';
import { type ResponseWriter } from './protocol/writer';

/** socket.request.max.bytes in Kafka. */
const MAX_REQUEST_BYTES = 104857600;
/** Stop reading from a client with this many requests queued. */
const MAX_QUEUED_REQUESTS = 64;

export function normaliseAddress(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export class ClientConnection implements ConnectionInfo {
  readonly localHost: string;
  readonly localPort: number;
  readonly remoteHost: string;
  private readonly decoder = new FrameDecoder(MAX_REQUEST_BYTES);
  private readonly queue: Buffer[] = [];
  private readonly closeListeners = new Set<() => void>();
  private processing = false;
  private closed = false;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: ReadonlyMap<number, ApiHandler>,
    private readonly broker: BrokerState,
  ) {
    this.localHost = normaliseAddress(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
    this.remoteHost = normaliseAddress(socket.remoteAddress);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.broker.logger.debug('connection error', { remote: this.remoteHost, err: err.message }),
    );
    socket.on('close', () => this.onClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Ends the connection after responses already written have been flushed. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const l of [...this.closeListeners]) l();
    this.closeListeners.clear();
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, (frame) => this.queue.push(frame));
    } catch (err) {
      this.broker.logger.warn('closing connection: bad request framing', {
        remote: this.remoteHost,
        err: (err as Error).message,
      });
      this.destroy();
      return;
    }
    if (this.queue.length >= MAX_QUEUED_REQUESTS && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.processQueue();
  }

  private processQueue(): void {
    if (this.processing) return;
    this.processing = true;
    while (this.queue.length > 0 && !this.closed) {
      const frame = this.queue.shift()!;
      const pending = this.handle(frame);
      if (pending) {
        // Only waiting requests (and socket backpressure) leave the synchronous loop.
        pending.then(
          () => {
            this.processing = false;
            this.processQueue();
          },
          (err: unknown) => {
            this.broker.logger.error('request handling failed', { err });
            this.destroy();
          },
        );
        return;
      }
    }
    this.processing = false;
    if (this.paused && this.queue.length < MAX_QUEUED_REQUESTS / 2 && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Handles one request; returns a promise only when the caller must wait before the next. */
  private handle(frame: Buffer): Promise<void> | null {
    const r = new RequestReader(frame);
    let ctx: RequestContext;
    let handler: ApiHandler | undefined;
    try {
      const apiKey = r.int16();
      const apiVersion = r.int16();
      const correlationId = r.int32();
      const clientId = r.nullableString() ?? '';
      ctx = { apiKey, apiVersion, correlationId, clientId, connection: this, broker: this.broker };
      handler = this.handlers.get(apiKey);
      if (!handler || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
        return this.send(correlationId, this.unsupported(ctx, handler));
      }
    } catch (err) {
      this.broker.logger.warn('closing connection: unreadable request header', {
        remote: this.remoteHost,
        err: (err as Error).message,
      });
      this.destroy();
      return null;
    }
    let result: ApiResponse | Promise<ApiResponse>;
    try {
      result = handler.handle(ctx, r);
    } catch (err) {
      return this.failed(ctx, handler, err);
    }
    if (result instanceof Promise) {
      return result.then(
        (res) => this.send(ctx.correlationId, res) ?? undefined,
        (err: unknown) => {
          this.failed(ctx, handler, err);
        },
      );
    }
    return this.send(ctx.correlationId, result);
  }

  /**
   * An unknown API key or a version outside the advertised range. The answer is the ApiVersions
   * v0 error shape (UNSUPPORTED_VERSION plus the supported list): what a client probing with a
   * newer ApiVersions expects, and a well-formed response for anything else.
   */
  private unsupported(ctx: RequestContext, handler: ApiHandler | undefined): ResponseWriter {
    if (ctx.apiKey !== ApiKey.ApiVersions) {
      this.broker.logger.warn('unsupported request', {
        apiKey: ctx.apiKey,
        apiVersion: ctx.apiVersion,
        api: handler?.name ?? 'unknown',
        clientId: ctx.clientId,
      });
    }
    return encodeApiVersions(this.broker.supportedApis, ErrorCode.UNSUPPORTED_VERSION, 0);
  }

  /**
   * A request that could not be decoded or handled: Kafka drops such a connection, and so do we
   * (also how a failed acks=0 produce is signalled to its client).
   */
  private failed(ctx: RequestContext, handler: ApiHandler, err: unknown): null {
    const fields = {
      api: handler.name,
      apiVersion: ctx.apiVersion,
      clientId: ctx.clientId,
      remote: this.remoteHost,
    };
    if (err instanceof ProtocolDecodeError || err instanceof KafkaError) {
      this.broker.logger.warn('closing connection: request could not be handled', {
        ...fields,
        err: err.message,
      });
    } else {
      this.broker.logger.error('closing connection: request handler failed', { ...fields, err });
    }
    this.destroy();
    return null;
  }

  private send(correlationId: number, body: ApiResponse): Promise<void> | null {
    if (body === null || this.closed) return null;
    const parts = body.toBuffers();
    const header = Buffer.allocUnsafe(8);
    header.writeInt32BE(body.length + 4, 0);
    header.writeInt32BE(correlationId, 4);
    this.socket.cork();
    this.socket.write(header);
    let flushed = true;
    for (const p of parts) flushed = this.socket.write(p);
    this.socket.uncork();
    if (flushed) return null;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
