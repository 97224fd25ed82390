import {
  Partitioners,
  type ICustomPartitioner,
  type Kafka,
  type Message,
  type Producer as KafkaProducer,
  type TopicMessages,
} from 'kafkajs';
import { BusClosedError, BusPublishError, describe } from './errors';
import type { BusLogger } from './logger';
import type { BusStats } from './stats';
import { activeTraceHeaders } from './trace-context';
import type { EventProducer, ProducerOptions, RawHeaders, RawSender } from './producer';
import { SCHEMA_HEADER, type TopicRegistry, type TopicName, type TopicPayloads } from './topics';
import { FastWriter } from './wire-codec';

interface Ticket {
  pending: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The messages of one publish, publishMany or raw send, queued in order. A request takes messages
 * from the front; a large call may be spread over several requests (`next` says how far it got).
 * Queuing whole calls, not single messages, keeps the per-message cost to the kafkajs Message.
 */
interface Queued {
  topic: string;
  messages: Message[];
  next: number;
  ticket: Ticket;
}

/** How many messages of one call's ticket a request carries, to settle it on the ack. */
interface Carried {
  topic: string;
  count: number;
  ticket: Ticket;
}

const KEY_CACHE_LIMIT = 10_000;

/**
 * kafkajs-backed producer with an in-library linger batcher (kafkajs has none): sends gather for
 * up to lingerMs or batchSize messages and leave in one sendBatch. Exactly one sendBatch is in
 * flight at a time: kafkajs' idempotent producer takes sequence numbers when it builds a request
 * and advances them only on the ack, so two concurrent requests to one partition would reuse a
 * sequence (and be de-duplicated away by the broker). While a request is in flight the next
 * batch fills up, which is what gives large batches under load.
 */
export class KafkaEventProducer implements EventProducer, RawSender {
  private readonly kp: KafkaProducer;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly retries: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly ackTimeoutMs: number;

  private queue: Queued[] = [];
  private queuedMessages = 0;
  private queuedBytes = 0;
  private firstQueuedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  // Counters of messages in FIFO order: queued so far, taken into a request, and done (acked or
  // failed). One request in flight keeps completion in queue order, so flush() waits on a count.
  private enqueued = 0;
  private taken = 0;
  private done = 0;
  private flushUntil = 0;
  private connected = false;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastFailedAt = 0;
  private lastSucceededAt = 0;
  private flushWaiters: Array<{ until: number; resolve: () => void }> = [];

  private readonly keyCache = new Map<string, Buffer>();
  // Reused for every encode: finish() hands out a copy and resets it, so one writer serves all.
  private readonly writer = new FastWriter();
  private readonly baseHeaders = new Map<TopicName, Record<string, Buffer>>();

  constructor(
    kafka: Kafka,
    private readonly registry: TopicRegistry,
    private readonly logger: BusLogger,
    private readonly stats: BusStats,
    options: ProducerOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? 5;
    this.batchSize = Math.max(1, options.batchSize ?? 1000);
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? 1024 * 1024);
    this.retries = Math.max(0, options.retries ?? 5);
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30000;
    this.kp = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Java-client-compatible murmur2, so keys land on the same partitions as other clients'.
      createPartitioner: cachedKeyPartitioner,
      // kafkajs' own retry is kept minimal (idempotence requires >= 1): the budget is ours below.
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
    this.kp.on(this.kp.events.DISCONNECT, () => {
      this.connected = false;
    });
    for (const t of registry.all()) {
      const spec = registry.spec(t);
      this.baseHeaders.set(t, { [SCHEMA_HEADER]: Buffer.from(spec.schemaId) });
    }
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    if (!this.connecting) {
      this.connecting = this.kp
        .connect()
        .then(() => {
          this.connected = true;
        })
        .finally(() => {
          this.connecting = null;
        });
    }
    return this.connecting;
  }

  /** Healthy unless the most recent send failed for good (and none succeeded since). */
  isHealthy(): boolean {
    return !this.closed && this.lastFailedAt <= this.lastSucceededAt;
  }

  state(): 'idle' | 'connected' | 'failing' | 'closed' {
    if (this.closed) return 'closed';
    if (this.lastFailedAt > this.lastSucceededAt) return 'failing';
    return this.connected ? 'connected' : 'idle';
  }

  publish<T extends TopicName>(topic: T, event: TopicPayloads[T]): Promise<void> {
    const physical = this.registry.name(topic);
    if (this.closed) return Promise.reject(new BusClosedError(`publish to ${physical}`));
    const spec = this.registry.spec(topic);
    let value: Buffer;
    let key: Buffer | null;
    try {
      value = toBuffer(spec.codec.encode(event, this.writer).finish());
      key = this.keyBuffer(spec.keyOf(event));
    } catch (err) {
      this.writer.finish(); // drop a half-written message
      return Promise.reject(new BusPublishError(physical, 0, err));
    }
    const headers = this.headersFor(topic);
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { pending: 1, settled: false, resolve, reject };
      this.push(physical, [{ key, value, headers }], value.length, ticket);
      this.maybeSend();
    });
  }

  publishMany<T extends TopicName>(topic: T, events: readonly TopicPayloads[T][]): Promise<void> {
    const physical = this.registry.name(topic);
    if (this.closed) return Promise.reject(new BusClosedError(`publish to ${physical}`));
    if (events.length === 0) return Promise.resolve();
    const spec = this.registry.spec(topic);
    const { encode } = spec.codec;
    const keyOf = spec.keyOf;
    // One trace context for the whole call: the active context cannot change inside it.
    const headers = this.headersFor(topic);
    const n = events.length;
    const messages: Message[] = new Array<Message>(n);
    // All events go into one pooled buffer, each as a length-delimited block (fork/join), and
    // leave as zero-copy views on it: one allocation per call instead of one per event. The
    // messages get their values once the buffer is finished.
    const w = this.writer;
    let bytes: Uint8Array;
    try {
      for (let i = 0; i < n; i++) {
        const event = events[i]!;
        encode.call(spec.codec, event, w.fork()).join();
        messages[i] = { key: this.keyBuffer(keyOf(event)), value: null, headers };
      }
      bytes = w.finish();
    } catch (err) {
      w.finish();
      return Promise.reject(new BusPublishError(physical, 0, err));
    }
    const ab = bytes.buffer;
    let pos = bytes.byteOffset;
    let payloadBytes = 0;
    const u8 = new Uint8Array(ab);
    for (let i = 0; i < n; i++) {
      // Length prefix: a varint (32-bit arithmetic is exact far beyond Kafka's message limit).
      let len = 0;
      let shift = 0;
      let b: number;
      do {
        b = u8[pos++]!;
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      messages[i]!.value = Buffer.from(ab, pos, len);
      pos += len;
      payloadBytes += len;
    }
    return new Promise<void>((resolve, reject) => {
      this.push(physical, messages, payloadBytes, { pending: n, settled: false, resolve, reject });
      this.maybeSend();
    });
  }

  /** Raw bytes to a physical topic (the dead-letter path): same batching, retries and acks. */
  sendRaw(topic: string, key: Buffer | null, value: Buffer | null, headers: RawHeaders): Promise<void> {
    if (this.closed) return Promise.reject(new BusClosedError(`publish to ${topic}`));
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { pending: 1, settled: false, resolve, reject };
      this.push(topic, [{ key, value, headers: headers as Message['headers'] }], value?.length ?? 0, ticket);
      this.maybeSend();
    });
  }

  async flush(): Promise<void> {
    const until = this.enqueued;
    if (this.done >= until) return;
    this.flushUntil = Math.max(this.flushUntil, until);
    const p = new Promise<void>((resolve) => this.flushWaiters.push({ until, resolve }));
    this.maybeSend();
    await p;
  }

  /** Sends what is queued, waits for the acks, then disconnects. Later publishes reject. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    // Refuse new sends first, so nothing can slip in behind the final flush and never settle.
    this.closed = true;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.kp.disconnect().catch((err: unknown) => {
      this.logger.warn({ err }, 'bus producer disconnect failed');
    });
    this.connected = false;
  }

  private headersFor(topic: TopicName): Record<string, Buffer | string> {
    const base = this.baseHeaders.get(topic)!;
    const trace = activeTraceHeaders();
    return trace === undefined ? base : { ...base, ...trace };
  }

  private keyBuffer(key: string): Buffer | null {
    if (key === '') return null;
    let b = this.keyCache.get(key);
    if (b === undefined) {
      if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
      b = Buffer.from(key, 'utf8');
      this.keyCache.set(key, b);
    }
    return b;
  }

  private push(topic: string, messages: Message[], bytes: number, ticket: Ticket): void {
    if (this.queuedMessages === 0) this.firstQueuedAt = performance.now();
    this.queue.push({ topic, messages, next: 0, ticket });
    this.enqueued += messages.length;
    this.queuedMessages += messages.length;
    this.queuedBytes += bytes;
  }

  // Send the next batch if none is in flight and the queue is full, has lingered long enough,
  // or a flush asked for it; otherwise make sure a timer will look again when the linger ends.
  private maybeSend(): void {
    if (this.sending || this.queuedMessages === 0) return;
    const full = this.queuedMessages >= this.batchSize || this.queuedBytes >= this.maxBatchBytes;
    const waited = performance.now() - this.firstQueuedAt;
    if (full || this.flushUntil > this.taken || waited >= this.lingerMs) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.sendNext();
    } else if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.maybeSend();
        },
        Math.max(0, this.lingerMs - waited),
      );
    }
  }

  // Takes up to batchSize messages (and about maxBatchBytes) from the front of the queue, grouped
  // by topic for one sendBatch; a call that does not fit whole leaves the rest for the next one.
  private sendNext(): void {
    const q = this.queue;
    const byTopic = new Map<string, Message[]>();
    const carried: Carried[] = [];
    let n = 0;
    let bytes = 0;
    let used = 0; // calls taken whole
    while (used < q.length && n < this.batchSize) {
      const item = q[used]!;
      const msgs = item.messages;
      const start = item.next;
      let end = start;
      while (end < msgs.length && n < this.batchSize) {
        const size = payloadSize(msgs[end]!);
        if (n > 0 && bytes + size > this.maxBatchBytes) break;
        bytes += size;
        n++;
        end++;
      }
      if (end > start) {
        const list = byTopic.get(item.topic);
        // A call taken whole lends its own array as the request's list (nothing else holds on to
        // it once taken); later calls of the same topic are appended to it.
        if (list === undefined)
          byTopic.set(item.topic, start === 0 && end === msgs.length ? msgs : msgs.slice(start, end));
        else for (let i = start; i < end; i++) list.push(msgs[i]!);
        carried.push({ topic: item.topic, count: end - start, ticket: item.ticket });
        item.next = end;
      }
      if (end < msgs.length) break; // the request is full
      used++;
    }
    if (used === q.length) this.queue = [];
    else if (used > 0) q.splice(0, used);
    this.queuedMessages -= n;
    this.queuedBytes -= bytes;
    this.taken += n;
    this.sending = true;
    void this.sendWithRetry(byTopic, carried, n).finally(() => {
      this.sending = false;
      this.done += n;
      if (this.flushWaiters.length > 0) this.notifyFlushed();
      this.maybeSend();
    });
  }

  private notifyFlushed(): void {
    const still: Array<{ until: number; resolve: () => void }> = [];
    for (const w of this.flushWaiters) {
      if (this.done >= w.until) w.resolve();
      else still.push(w);
    }
    this.flushWaiters = still;
  }

  private async sendWithRetry(byTopic: Map<string, Message[]>, carried: Carried[], n: number): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });

    const maxAttempts = this.retries + 1;
    let delay = this.retryInitialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.connected) await this.connect();
        this.stats.sendBatchCalls++;
        await this.kp.sendBatch({ topicMessages, acks: -1, timeout: this.ackTimeoutMs });
        this.stats.messagesPublished += n;
        this.lastSucceededAt = performance.now();
        for (let i = 0; i < carried.length; i++) {
          const { ticket, count } = carried[i]!;
          ticket.pending -= count;
          if (ticket.pending === 0 && !ticket.settled) {
            ticket.settled = true;
            ticket.resolve();
          }
        }
        return;
      } catch (err) {
        const topics = [...byTopic.keys()];
        if (attempt >= maxAttempts || !isRetriable(err)) {
          this.stats.publishFailures += n;
          this.lastFailedAt = performance.now();
          this.logger.error(
            { err, topics, messages: n, attempts: attempt },
            `bus publish failed after ${attempt} attempt(s): ${describe(err)}`,
          );
          for (let i = 0; i < carried.length; i++) {
            const { ticket, topic } = carried[i]!;
            if (!ticket.settled) {
              ticket.settled = true;
              ticket.reject(new BusPublishError(topic, attempt, err));
            }
          }
          return;
        }
        this.stats.publishRetries++;
        const wait = Math.min(this.retryMaxMs, delay) * (0.8 + Math.random() * 0.4);
        this.logger.warn(
          { err: describe(err), topics, messages: n, attempt, retryInMs: Math.round(wait) },
          'bus publish failed, retrying',
        );
        await sleep(wait);
        delay *= 2;
      }
    }
  }
}

// kafkajs marks errors retriable or not; "retries exhausted" is itself non-retriable, but the
// bus has its own (longer) budget on top, so it looks at what kafkajs gave up on.
function isRetriable(err: unknown): boolean {
  const e = err as { name?: string; retriable?: boolean; originalError?: unknown; cause?: unknown };
  if (e?.name === 'KafkaJSNumberOfRetriesExceeded') return isRetriable(e.originalError ?? e.cause);
  if (e?.name === 'KafkaJSNonRetriableError' && (e.originalError ?? e.cause))
    return isRetriable(e.originalError ?? e.cause);
  return e?.retriable !== false;
}

/**
 * kafkajs' default (Java-compatible murmur2) partitioner, memoised per key. It would otherwise
 * hash the key and filter the partition list for every message; the bus hands out one Buffer per
 * distinct key, so the Buffer itself is the cache key. Same partitions as the default, cheaper.
 */
const cachedKeyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  const byTopic = new Map<string, { count: number; byKey: WeakMap<Buffer, number> }>();
  return (args) => {
    const key = args.message.key;
    if (!Buffer.isBuffer(key) || args.message.partition !== undefined) return fallback(args);
    let t = byTopic.get(args.topic);
    if (!t || t.count !== args.partitionMetadata.length) {
      t = { count: args.partitionMetadata.length, byKey: new WeakMap() };
      byTopic.set(args.topic, t);
    }
    let p = t.byKey.get(key);
    if (p === undefined) {
      p = fallback(args);
      t.byKey.set(key, p);
    }
    return p;
  };
};

function payloadSize(m: Message): number {
  const v = m.value;
  return v === null || v === undefined ? 0 : v.length;
}

function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
