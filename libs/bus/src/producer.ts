import type { TopicName, TopicPayloads } from './topics';

export interface ProducerOptions {
  /** How long a send may wait for others to share its request (default 5 ms). */
  lingerMs?: number;
  /** At most this many messages per request; a full batch is sent without waiting (default 1000). */
  batchSize?: number;
  /** At most about this many payload bytes per request (default 1 MiB). */
  maxBatchBytes?: number;
  /** Retries after the first attempt before a send fails with BusPublishError (default 5). */
  retries?: number;
  /** First backoff between attempts; doubles each retry up to retryMaxMs (default 100 ms). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long the broker may take to get the acks of all in-sync replicas (default 30 s). */
  ackTimeoutMs?: number;
}

/** Header values as they go on the wire; a Buffer is sent as is, a string as UTF-8. */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Publishes typed events. Every promise resolves once the broker has acked the message. */
export interface EventProducer {
  /** Queue one event; it joins the next batch. Rejects with BusPublishError, never silently. */
  publish<T extends TopicName>(topic: T, event: TopicPayloads[T]): Promise<void>;
  /** Queue many events of one topic at once (cheaper per event than many publish calls). */
  publishMany<T extends TopicName>(topic: T, events: readonly TopicPayloads[T][]): Promise<void>;
  /** Send whatever is waiting for its linger now; resolves when all queued so far are acked. */
  flush(): Promise<void>;
}

/** What the dead-letter path needs from a producer: raw bytes, same batching and acks. */
export interface RawSender {
  sendRaw(topic: string, key: Buffer | null, value: Buffer | null, headers: RawHeaders): Promise<void>;
  flush(): Promise<void>;
}
