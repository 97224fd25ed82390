import type { Consumer as KafkaConsumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Context } from '@opentelemetry/api';
import type { DeadLetterPublisher } from './dead-letter';
import { describe } from './errors';
import type { BusLogger } from './logger';
import type { RawHeaders } from './producer';
import type { BusStats } from './stats';
import { contextFromHeaders, otelContext, TRACEPARENT } from './trace-context';
import {
  PoisonMessageError,
  type ConsumedEvent,
  type ConsumedEventOf,
  type ConsumeOptions,
  type ConsumerState,
  type EventConsumer,
  type EventHandler,
} from './consumer';
import {
  LEGACY_SCHEMA_HEADER,
  SCHEMA_HEADER,
  type TopicRegistry,
  type TopicName,
  type TopicPayloads,
  type TopicSpec,
} from './topics';
import { FastReader } from './wire-codec';

const ABANDON = 0;
const DONE = 1;
type Outcome = typeof ABANDON | typeof DONE;
const ABORTED = Symbol('aborted');

class Delivery<T extends TopicName> implements ConsumedEventOf<T> {
  private decodedHeaders: Record<string, string> | undefined;
  private decodedKey: string | null | undefined;
  constructor(
    readonly topic: T,
    readonly topicName: string,
    readonly value: TopicPayloads[T],
    private readonly rawKey: Buffer | null | undefined,
    readonly partition: number,
    readonly offset: string,
    readonly timestamp: string,
    private readonly rawHeaders: KafkaMessage['headers'],
    public attempt: number,
    // Already decoded when the trace context was extracted from them.
    decodedHeaders: Record<string, string> | undefined,
  ) {
    this.decodedHeaders = decodedHeaders;
  }
  get key(): string | null {
    if (this.decodedKey === undefined) this.decodedKey = this.rawKey == null ? null : this.rawKey.toString();
    return this.decodedKey;
  }
  // Decoded on first use: many handlers never look at headers.
  get headers(): Record<string, string> {
    return (this.decodedHeaders ??= decodeHeaders(this.rawHeaders));
  }
  toJSON(): object {
    const { topic, topicName, value, key, partition, offset, timestamp, headers, attempt } = this;
    return { topic, topicName, value, key, partition, offset, timestamp, headers, attempt };
  }
}

interface PendingOffset {
  topic: string;
  partition: number;
  /** The next offset to read, as Kafka commits it. */
  offset: string;
}

/** A subscribed topic's spec and the schema header values its messages must carry. */
interface ExpectedSchema {
  spec: TopicSpec;
  logical: TopicName;
  schemaIdBuf: Buffer;
  schemaBuf: Buffer;
}

interface BatchJob {
  abort: (() => void) | null;
}

/**
 * Consumer-group member built on kafkajs eachBatch with autoCommit off. A message's offset is
 * committed only after its handler finished (or it was dead-lettered), so a crash redelivers,
 * never loses. A message whose handler keeps throwing is retried with backoff handlerAttempts
 * times and then dead-lettered with the reason, so one poison message cannot block its
 * partition forever. Payloads that do not decode, or whose schema header names another
 * message, go to the dead-letter topic at once.
 */
export class KafkaEventConsumer<T extends TopicName> implements EventConsumer {
  readonly groupId: string;
  readonly topics: readonly TopicName[];
  private readonly kc: KafkaConsumer;
  private readonly handler: EventHandler<T>;
  private readonly attempts: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly commitIntervalMs: number;
  private readonly expectedSchema = new Map<string, ExpectedSchema>();
  private readonly jobs = new Set<BatchJob>();
  private stopping = false;
  private aborted = false;
  private current: ConsumerState = 'starting';
  private closing: Promise<void> | null = null;
  // The trace context last extracted and the raw headers it came from. The messages of one
  // publishMany carry the same headers, so one extraction serves the run of them.
  private traceHeaders: KafkaMessage['headers'] = undefined;
  private traceContext: Context | undefined = undefined;
  // One protobuf reader for every payload (decoding is synchronous, so it is never shared).
  private readonly reader = new FastReader();
  // Offsets handled but not committed yet (the next offset to read), by topic and partition.
  // Commits are batch-level: all of them in one request, at most every commitIntervalMs while
  // messages keep coming, and once the consumer goes quiet or closes.
  private readonly pending = new Map<string, PendingOffset>();
  private lastCommitAt = 0;
  // Commits run one after another, so a later offset is never overwritten by an earlier one.
  private commitChain: Promise<void> = Promise.resolve();
  private idleCommit: NodeJS.Timeout | null = null;

  constructor(
    kafka: Kafka,
    private readonly registry: TopicRegistry,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly logger: BusLogger,
    private readonly stats: BusStats,
    private readonly options: ConsumeOptions<T>,
  ) {
    this.groupId = options.groupId;
    this.topics = [...options.topics];
    this.handler = options.handler;
    this.attempts = Math.max(1, options.handlerAttempts ?? 5);
    this.retryInitialMs = options.handlerRetryInitialMs ?? 100;
    this.retryMaxMs = options.handlerRetryMaxMs ?? 2000;
    this.commitIntervalMs = options.commitIntervalMs ?? 1000;
    for (const t of this.topics) {
      const spec = registry.spec(t);
      this.expectedSchema.set(registry.name(t), {
        spec,
        logical: t,
        schemaIdBuf: Buffer.from(spec.schemaId),
        schemaBuf: Buffer.from(spec.schema),
      });
    }
    this.kc = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
      maxBytes: options.maxBytes ?? 10 * 1024 * 1024,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
      minBytes: options.minBytes ?? 1,
      allowAutoTopicCreation: false,
    });
    this.kc.on(this.kc.events.CRASH, (e) => {
      const { error, restart } = e.payload as { error: Error; restart: boolean };
      this.logger.error(
        { err: error, groupId: this.groupId, restart },
        restart ? 'bus consumer crashed, restarting' : 'bus consumer crashed',
      );
      if (!this.stopping) this.current = restart ? 'starting' : 'crashed';
    });
    this.kc.on(this.kc.events.GROUP_JOIN, (e) => {
      if (!this.stopping) this.current = 'running';
      // Offsets of partitions now assigned elsewhere are not ours to commit: their messages may
      // be handled again by the new owner (at least once), but its commits are never rewound.
      const assigned = (e.payload as { memberAssignment?: Record<string, number[]> }).memberAssignment ?? {};
      for (const [k, p] of this.pending) {
        if (!assigned[p.topic]?.includes(p.partition)) this.pending.delete(k);
      }
    });
  }

  async start(): Promise<void> {
    await this.kc.connect();
    await this.kc.subscribe({
      topics: this.topics.map((t) => this.registry.name(t)),
      fromBeginning: this.options.fromBeginning ?? false,
    });
    await this.kc.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    // 'running' is set by the GROUP_JOIN event; a failed join surfaces as a CRASH event instead.
  }

  isHealthy(): boolean {
    return this.current === 'running';
  }

  state(): ConsumerState {
    return this.current;
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown(false));
  }

  abort(): Promise<void> {
    this.aborted = true;
    for (const job of this.jobs) job.abort?.();
    return (this.closing ??= this.shutdown(true));
  }

  private async shutdown(abort: boolean): Promise<void> {
    this.stopping = true;
    this.current = 'closing';
    if (abort) for (const job of this.jobs) job.abort?.();
    if (this.idleCommit !== null) clearTimeout(this.idleCommit);
    this.idleCommit = null;
    // What was handled before close() is committed now; a batch still running commits its own
    // progress when it stops (abort() commits nothing: commitPending checks for it).
    await this.commitPending((offsets) => this.kc.commitOffsets(offsets)).catch((err: unknown) => {
      this.logger.warn({ err, groupId: this.groupId }, 'bus consumer offset commit on close failed');
    });
    try {
      // kafkajs waits for the running eachBatch, which stops after the message in hand.
      await this.kc.disconnect();
    } catch (err) {
      this.logger.warn({ err, groupId: this.groupId }, 'bus consumer disconnect failed');
    }
    this.current = 'closed';
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    if (this.stopping) return;
    const entry = this.expectedSchema.get(batch.topic);
    if (!entry) throw new Error(`bus consumer got a batch of unexpected topic ${batch.topic}`);
    // A propagator registered since the last batch must see this one's headers.
    this.traceHeaders = undefined;
    const job: BatchJob = { abort: null };
    this.jobs.add(job);
    const { partition, topic } = batch;
    const key = `${topic}\0${partition}`;
    let lastDone: string | null = null;
    // Handled through lastDone: resolved for kafkajs (where a refetch starts) and pending commit.
    const handled = (): void => {
      if (lastDone === null) return;
      resolveOffset(lastDone);
      this.pending.set(key, { topic, partition, offset: nextOffset(lastDone) });
    };
    const commit = (): Promise<void> =>
      this.commitPending((offsets) => commitOffsetsIfNecessary({ topics: byTopic(offsets) }));
    try {
      const messages = batch.messages;
      for (let i = 0; i < messages.length; i++) {
        // stopping is checked before every message (close() finishes only the one in hand);
        // kafkajs' own flags cost more and only change on rebalance or seek, so every 64.
        if (this.stopping || ((i & 63) === 0 && (!isRunning() || isStale()))) break;
        const m = messages[i]!;
        let outcome = this.processOne(entry, topic, partition, m, job, heartbeat);
        if (typeof outcome !== 'number') outcome = await outcome;
        if (outcome === ABANDON) break;
        lastDone = m.offset;
        if ((i & 255) === 255 && performance.now() - this.lastCommitAt >= this.commitIntervalMs) {
          handled();
          await commit();
          await heartbeat();
        }
      }
      handled();
      if (this.stopping || performance.now() - this.lastCommitAt >= this.commitIntervalMs) await commit();
      else this.scheduleIdleCommit();
    } catch (err) {
      // Keep what was handled (unless aborting), then let kafkajs restart from there.
      if (!this.aborted) handled();
      await commit().catch(() => undefined);
      throw err;
    } finally {
      this.jobs.delete(job);
      if (lastDone !== null) this.stats.messagesConsumed += countThrough(batch.messages, lastDone);
    }
  }

  /** Commits every pending offset with `send`, after the commits already under way. */
  private commitPending(send: (offsets: PendingOffset[]) => Promise<unknown>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.aborted || this.pending.size === 0) return;
      const taken = [...this.pending];
      this.lastCommitAt = performance.now();
      await send(taken.map(([, p]) => p));
      // An offset that moved on while this commit was under way stays pending.
      for (const [k, p] of taken) if (this.pending.get(k) === p) this.pending.delete(k);
      this.stats.offsetCommits++;
    };
    const p = this.commitChain.then(run);
    this.commitChain = p.catch(() => undefined);
    return p;
  }

  // Handled offsets are committed within commitIntervalMs even when no further batch comes.
  private scheduleIdleCommit(): void {
    if (this.idleCommit !== null || this.pending.size === 0) return;
    const wait = Math.max(0, this.commitIntervalMs - (performance.now() - this.lastCommitAt));
    this.idleCommit = setTimeout(() => {
      this.idleCommit = null;
      if (this.stopping) return; // shutdown() commits
      this.commitPending((offsets) => this.kc.commitOffsets(offsets)).catch((err: unknown) => {
        this.logger.warn({ err, groupId: this.groupId }, 'bus consumer offset commit failed, retrying');
        this.scheduleIdleCommit();
      });
    }, wait);
    this.idleCommit.unref();
  }

  // Synchronous unless something needs waiting for (an async handler, a retry, a dead letter),
  // so the common case costs no promise per message.
  private processOne(
    entry: ExpectedSchema,
    topic: string,
    partition: number,
    m: KafkaMessage,
    job: BatchJob,
    heartbeat: () => Promise<void>,
  ): Outcome | Promise<Outcome> {
    const { spec } = entry;
    const rawHeaders = m.headers;
    if (rawHeaders !== undefined) {
      // event-schema when the message has it; messages of earlier producers carry `schema`.
      let expected = spec.schemaId;
      let expectedBuf = entry.schemaIdBuf;
      let schemaHeader = lastValue(rawHeaders[SCHEMA_HEADER]);
      if (schemaHeader === undefined) {
        expected = spec.schema;
        expectedBuf = entry.schemaBuf;
        schemaHeader = lastValue(rawHeaders[LEGACY_SCHEMA_HEADER]);
      }
      if (
        schemaHeader !== undefined &&
        !(Buffer.isBuffer(schemaHeader) ? sameBytes(schemaHeader, expectedBuf) : schemaHeader === expected)
      ) {
        return this.deadLetter(
          topic,
          partition,
          m,
          `schema-mismatch: expected ${expected}, got ${String(schemaHeader)}`,
        );
      }
    }
    let value: TopicPayloads[T];
    try {
      if (m.value === null) throw new Error('message has no value');
      value = spec.codec.decode(this.reader.reset(m.value)) as TopicPayloads[T];
    } catch (err) {
      return this.deadLetter(topic, partition, m, `decode-error: ${describe(err)}`);
    }
    let headers: Record<string, string> | undefined;
    let ctx: Context | undefined;
    if (rawHeaders !== undefined && rawHeaders[TRACEPARENT] !== undefined) {
      if (this.traceHeaders !== undefined && sameHeaders(rawHeaders, this.traceHeaders)) {
        ctx = this.traceContext;
      } else {
        headers = decodeHeaders(rawHeaders);
        ctx = contextFromHeaders(headers);
        this.traceHeaders = rawHeaders;
        this.traceContext = ctx;
      }
    }
    const delivery = new Delivery<T>(
      entry.logical as T,
      topic,
      value,
      m.key,
      partition,
      m.offset,
      m.timestamp,
      rawHeaders,
      1,
      headers,
    );
    let r: void | Promise<void>;
    try {
      r = this.invoke(delivery, ctx);
    } catch (err) {
      return this.retry(err, delivery, ctx, topic, partition, m, job, heartbeat);
    }
    if (r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function') {
      return this.abortable(r as Promise<void>, job).then(
        () => DONE,
        (err: unknown) => this.retry(err, delivery, ctx, topic, partition, m, job, heartbeat),
      );
    }
    return DONE;
  }

  private invoke(delivery: Delivery<T>, ctx: Context | undefined): void | Promise<void> {
    const event = delivery as unknown as ConsumedEvent<T>;
    return ctx === undefined ? this.handler(event) : otelContext.with(ctx, this.handler, undefined, event);
  }

  // Attempt `delivery.attempt` failed with err: back off and try again, or dead-letter it.
  private async retry(
    firstErr: unknown,
    delivery: Delivery<T>,
    ctx: Context | undefined,
    topic: string,
    partition: number,
    m: KafkaMessage,
    job: BatchJob,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    let err = firstErr;
    let delay = this.retryInitialMs;
    for (;;) {
      if (err === ABORTED) return ABANDON;
      const attempt = delivery.attempt;
      if (err instanceof PoisonMessageError || attempt >= this.attempts) {
        const why = err instanceof PoisonMessageError ? 'poison message' : `after ${attempt} attempts`;
        return this.deadLetter(topic, partition, m, `handler-error: ${describe(err)} (${why})`);
      }
      this.stats.handlerRetries++;
      const wait = Math.min(this.retryMaxMs, delay);
      delay *= 2;
      this.logger.warn(
        {
          err: describe(err),
          topic,
          partition,
          offset: m.offset,
          groupId: this.groupId,
          attempt,
          retryInMs: wait,
        },
        'bus handler failed, retrying',
      );
      try {
        await this.abortable(sleep(wait), job);
      } catch {
        return ABANDON;
      }
      // Closing during retries: leave the message uncommitted; it is redelivered later.
      if (this.stopping) return ABANDON;
      await heartbeat();
      delivery.attempt = attempt + 1;
      try {
        const r = this.invoke(delivery, ctx);
        if (r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function') {
          await this.abortable(r as Promise<void>, job);
        }
        return DONE;
      } catch (e) {
        err = e;
      }
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    m: KafkaMessage,
    reason: string,
  ): Promise<Outcome> {
    await this.deadLetters.publish({
      sourceTopic: topic,
      partition,
      offset: m.offset,
      key: m.key ?? null,
      value: m.value ?? null,
      headers: (m.headers ?? {}) as RawHeaders,
      reason,
      consumerGroup: this.groupId,
    });
    return DONE;
  }

  // Waits for p, or rejects with ABORTED as soon as abort() is called (the handler is abandoned).
  private abortable<R>(p: Promise<R>, job: BatchJob): Promise<R> {
    if (this.aborted) return Promise.reject(ABORTED);
    return new Promise<R>((resolve, reject) => {
      job.abort = () => reject(ABORTED);
      p.then(
        (v) => {
          job.abort = null;
          resolve(v);
        },
        (e: unknown) => {
          job.abort = null;
          reject(e);
        },
      );
    });
  }
}

// Compared in JS: Buffer.equals is a call into C++ per message, dearer than comparing the
// ~30 bytes of a schema name here.
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

type HeaderValue = NonNullable<KafkaMessage['headers']>[string];

/** Same header names with the same bytes (all of them: a registered propagator may read any). */
function sameHeaders(
  a: NonNullable<KafkaMessage['headers']>,
  b: NonNullable<KafkaMessage['headers']>,
): boolean {
  for (const k in a) if (!Object.hasOwn(b, k) || !sameHeaderValue(a[k], b[k])) return false;
  for (const k in b) if (!Object.hasOwn(a, k)) return false;
  return true;
}

function sameHeaderValue(a: HeaderValue, b: HeaderValue): boolean {
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && sameBytes(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameHeaderValue(a[i], b[i])) return false;
    return true;
  }
  return a === b;
}

function lastValue<V>(v: V | V[] | undefined): V | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function decodeHeaders(raw: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const k of Object.keys(raw)) {
    const v = lastValue(raw[k]);
    if (v !== undefined) out[k] = v.toString();
  }
  return out;
}

function byTopic(offsets: PendingOffset[]): Array<{ topic: string; partitions: PendingOffset[] }> {
  const topics = new Map<string, PendingOffset[]>();
  for (const o of offsets) {
    const list = topics.get(o.topic);
    if (list === undefined) topics.set(o.topic, [o]);
    else list.push(o);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

/** How many of the batch's messages come before and at `offset` (those that were handled). */
function countThrough(messages: readonly KafkaMessage[], offset: string): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.offset === offset) return i + 1;
  return 0;
}

function nextOffset(offset: string): string {
  return offset.length < 16 ? String(Number(offset) + 1) : (BigInt(offset) + 1n).toString();
}

function sleep(ms: number): Promise<void> {
  // unref: a consumer that is aborted mid-backoff must not keep the process alive.
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
