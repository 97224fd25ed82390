import type { TopicName, TopicPayloads } from './topics';

/** One delivered event of topic T. */
export interface ConsumedEventOf<T extends TopicName> {
  /** Logical topic, e.g. `quotes` (discriminates the union for multi-topic handlers). */
  readonly topic: T;
  /** Physical topic, with the environment prefix. */
  readonly topicName: string;
  readonly value: TopicPayloads[T];
  /** Instrument or account id; null when the message had no key. */
  readonly key: string | null;
  readonly partition: number;
  readonly offset: string;
  /** Producer timestamp, milliseconds since the epoch, as Kafka carries it. */
  readonly timestamp: string;
  /** Headers decoded as UTF-8 (last value wins for a repeated header). */
  readonly headers: Readonly<Record<string, string>>;
  /** 1 on first delivery to the handler, then 2, 3... while it is retried. */
  readonly attempt: number;
}

export type ConsumedEvent<T extends TopicName = TopicName> = { [K in T]: ConsumedEventOf<K> }[T];

export type EventHandler<T extends TopicName> = (event: ConsumedEvent<T>) => void | Promise<void>;

export interface ConsumeOptions<T extends TopicName> {
  groupId: string;
  topics: readonly T[];
  handler: EventHandler<T>;
  /** Where a group with no committed offset starts (default false: only new messages). */
  fromBeginning?: boolean;
  /** Handler attempts per message before it is dead-lettered (default 5). */
  handlerAttempts?: number;
  /** Backoff between handler attempts: doubles from initial up to max (defaults 100 ms, 2 s). */
  handlerRetryInitialMs?: number;
  handlerRetryMaxMs?: number;
  /** Partitions handled in parallel (order is kept within a partition; default 1). */
  partitionsConsumedConcurrently?: number;
  /**
   * Handled offsets are committed (all partitions in one request) at most this often while
   * messages keep coming, and within this long once they stop; close() commits at once (1 s).
   * 0 commits at the end of every batch. A crash or rebalance redelivers what was not committed.
   */
  commitIntervalMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Fetch sizes and long-poll wait (defaults 1 MiB per partition, 10 MiB, 500 ms). */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  maxWaitTimeMs?: number;
  /**
   * Bytes a fetch waits for (up to maxWaitTimeMs) before the broker answers (default 1: as soon
   * as anything is there). Larger means fewer, fuller batches under load, at some latency.
   */
  minBytes?: number;
}

/** A running consumer-group member. */
export interface EventConsumer {
  readonly groupId: string;
  readonly topics: readonly TopicName[];
  /** Graceful: finish the message in hand, commit what was handled, leave the group. */
  close(): Promise<void>;
  /**
   * Stop now, as a crash would: the message in hand is abandoned and nothing more is committed,
   * so the group redelivers everything after the last commit. For wedged handlers and tests.
   */
  abort(): Promise<void>;
  isHealthy(): boolean;
  state(): ConsumerState;
}

export type ConsumerState = 'starting' | 'running' | 'crashed' | 'closing' | 'closed';

/**
 * Thrown by a handler to dead-letter the message at once, without retries: for messages that
 * are well-formed protobuf but wrong in domain terms and can never succeed.
 */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}
