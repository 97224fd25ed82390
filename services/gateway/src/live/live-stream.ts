import type { ConflatingMailbox, Delivery } from '@tapeline/conflation';

/** The part of a WebSocket a stream looks at (ws.WebSocket satisfies it). */
export interface SocketLike {
  readonly bufferedAmount: number;
  readonly readyState: number;
}
const OPEN = 1;

/**
 * Writes go to a socket only while its send buffer is below a bound. While it is above, the stream
 * does not take from its mailbox, so the mailbox conflates instead of the socket buffering.
 */
export class SendWindow {
  constructor(
    private readonly socket: SocketLike | undefined,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Whether the socket can take more now (the common case: no waiting, no promise). */
  hasRoom(): boolean {
    return (
      !this.socket || (this.socket.readyState === OPEN && this.socket.bufferedAmount <= this.maxBufferedBytes)
    );
  }

  /** Resolves true once the socket can take more, false if it closed meanwhile. */
  async ready(): Promise<boolean> {
    const socket = this.socket;
    if (!socket) return true;
    // Polling with a growing interval: a socket drains in milliseconds or is a slow client whose
    // updates may as well wait; a few thousand blocked sockets then cost little.
    let waitMs = 2;
    while (socket.readyState === OPEN && socket.bufferedAmount > this.maxBufferedBytes) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = Math.min(waitMs * 2, 50);
    }
    return socket.readyState === OPEN;
  }
}

/**
 * Turns one mailbox delivery into what the client gets: a value, or undefined to skip it. May
 * throw (an API error) to end the subscription with that error.
 */
export type Render<T, Out> = (delivery: Delivery<T>) => Out | undefined | Promise<Out | undefined>;

export interface LiveStreamParts<T, Out> {
  mailbox: ConflatingMailbox<T>;
  window: SendWindow;
  render: Render<T, Out>;
  /** Called once when the stream ends, however it ends (unsubscribe, disconnect, error). */
  onClose: () => void;
}

/**
 * One subscription's async iterator, pulled by the GraphQL layer one value at a time: the next
 * value is taken from the mailbox only after the previous one was written and the socket has room.
 */
export class LiveStream<T, Out> implements AsyncIterableIterator<Out> {
  readonly mailbox: ConflatingMailbox<T>;
  private readonly window: SendWindow;
  private readonly render: Render<T, Out>;
  private readonly first: Out[] = [];
  private readonly onClose: () => void;
  private ended = false;

  constructor(parts: LiveStreamParts<T, Out>) {
    this.mailbox = parts.mailbox;
    this.window = parts.window;
    this.render = parts.render;
    this.onClose = parts.onClose;
  }

  async next(): Promise<IteratorResult<Out>> {
    try {
      while (!this.ended) {
        // The socket first: while it is full, updates keep conflating in the mailbox.
        if (!this.window.hasRoom() && !(await this.window.ready())) break;
        if (this.first.length > 0) return { value: this.first.shift()!, done: false };
        const delivery = this.mailbox.take();
        if (!delivery) {
          try {
            await this.mailbox.waitForWork();
          } catch {
            break; // closed
          }
          continue;
        }
        const rendered = this.render(delivery);
        const out = rendered instanceof Promise ? await rendered : rendered;
        if (out !== undefined) return { value: out, done: false };
      }
    } catch (err) {
      this.end();
      throw err;
    }
    this.end();
    return { value: undefined, done: true };
  }

  return(): Promise<IteratorResult<Out>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<Out>> {
    this.end();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Values to send before anything from the mailbox (depth snapshots). */
  prepend(values: readonly Out[]): void {
    this.first.unshift(...values);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.mailbox.close();
    this.onClose();
  }
}
