import type { Admin, Kafka } from 'kafkajs';
import type { BusConfig, TopicSettings } from './config';
import type { ConsumeOptions, ConsumerState, EventConsumer } from './consumer';
import { KafkaEventConsumer } from './kafka-consumer';
import { KafkaDeadLetterPublisher, type DeadLetterPublisher } from './dead-letter';
import { BusClosedError } from './errors';
import { BRIEF_RETRY, createKafka } from './kafka-client';
import { createStderrLogger, type BusLogger, type ClientLogLevel } from './logger';
import { KafkaEventProducer } from './kafka-producer';
import type { EventProducer, ProducerOptions } from './producer';
import { createStats, type BusStats } from './stats';
import { TopicRegistry, type TopicName, type TopicPayloads } from './topics';

export interface BusOptions {
  producer?: ProducerOptions;
  /** TCP connect timeout per broker (default 3 s). */
  connectionTimeoutMs?: number;
  /** Request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** What the underlying client logs through the bus logger (default 'warn'). */
  clientLogLevel?: ClientLogLevel;
}

export interface BusHealth {
  healthy: boolean;
  producer: 'idle' | 'connected' | 'failing' | 'closed';
  consumers: { groupId: string; topics: readonly TopicName[]; state: ConsumerState }[];
}

export interface EnsuredTopic {
  topic: string;
  created: boolean;
  partitions: number;
}

export interface Bus {
  readonly config: BusConfig;
  readonly topics: TopicRegistry;
  /** Connects the producer and the admin client (publish also connects on first use). */
  connect(): Promise<void>;
  /** Creates every topic and its `.dlq` from the configuration; existing ones are left alone. */
  ensureTopics(): Promise<EnsuredTopic[]>;
  producer(): EventProducer;
  publish<T extends TopicName>(topic: T, event: TopicPayloads[T]): Promise<void>;
  publishMany<T extends TopicName>(topic: T, events: readonly TopicPayloads[T][]): Promise<void>;
  /** Joins the group and starts handling; resolves once the consumer is running. */
  consume<T extends TopicName>(options: ConsumeOptions<T>): Promise<EventConsumer>;
  deadLetters(): DeadLetterPublisher;
  /** Graceful: stop consumers (finish, commit), flush pending batches, disconnect. */
  close(): Promise<void>;
  isHealthy(): boolean;
  health(): BusHealth;
  /** Live counters (the same object on every call). */
  stats(): Readonly<BusStats>;
}

export function createBus(
  config: BusConfig,
  logger: BusLogger = createStderrLogger(),
  options: BusOptions = {},
): Bus {
  return new KafkaBus(config, logger, options);
}

class KafkaBus implements Bus {
  readonly topics: TopicRegistry;
  private readonly kafka: Kafka;
  private readonly counters = createStats();
  private readonly eventProducer: KafkaEventProducer;
  private readonly deadLetterPublisher: KafkaDeadLetterPublisher;
  private readonly consumers = new Set<KafkaEventConsumer<TopicName>>();
  private admin: Admin | null = null;
  private closed = false;

  constructor(
    readonly config: BusConfig,
    private readonly logger: BusLogger,
    options: BusOptions,
  ) {
    this.topics = new TopicRegistry(config.topicPrefix);
    this.kafka = createKafka(config, logger, options);
    this.eventProducer = new KafkaEventProducer(
      createKafka(config, logger, options, BRIEF_RETRY),
      this.topics,
      logger,
      this.counters,
      options.producer,
    );
    this.deadLetterPublisher = new KafkaDeadLetterPublisher(this.eventProducer, logger, this.counters);
  }

  async connect(): Promise<void> {
    this.assertOpen('connect');
    await Promise.all([this.eventProducer.connect(), this.adminClient()]);
  }

  async ensureTopics(): Promise<EnsuredTopic[]> {
    this.assertOpen('ensureTopics');
    const admin = await this.adminClient();
    const wanted = this.topics.all().flatMap((t) => {
      const s = this.settings(t);
      return [
        { topic: this.topics.name(t), settings: s },
        { topic: this.topics.deadLetterName(t), settings: s },
      ];
    });
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((w) => !existing.has(w.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((w) => ({
          topic: w.topic,
          numPartitions: w.settings.partitions,
          replicationFactor: w.settings.replicationFactor,
          configEntries: [{ name: 'retention.ms', value: String(w.settings.retentionMs) }],
        })),
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: wanted.map((w) => w.topic) });
    const partitionsOf = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    const result: EnsuredTopic[] = [];
    for (const w of wanted) {
      const partitions = partitionsOf.get(w.topic) ?? 0;
      if (partitions !== w.settings.partitions && existing.has(w.topic)) {
        // Changing the partition count would move keys between partitions and break per-key
        // order, so an existing topic is reported, never altered.
        this.logger.warn(
          { topic: w.topic, partitions, configured: w.settings.partitions },
          'bus topic exists with a different partition count; left unchanged',
        );
      }
      result.push({ topic: w.topic, created: !existing.has(w.topic), partitions });
    }
    if (missing.length > 0) {
      this.logger.info({ topics: missing.map((m) => m.topic) }, 'bus topics created');
    }
    return result;
  }

  producer(): EventProducer {
    return this.eventProducer;
  }

  publish<T extends TopicName>(topic: T, event: TopicPayloads[T]): Promise<void> {
    return this.eventProducer.publish(topic, event);
  }

  publishMany<T extends TopicName>(topic: T, events: readonly TopicPayloads[T][]): Promise<void> {
    return this.eventProducer.publishMany(topic, events);
  }

  async consume<T extends TopicName>(options: ConsumeOptions<T>): Promise<EventConsumer> {
    this.assertOpen('consume');
    if (options.topics.length === 0) throw new TypeError('consume: topics must not be empty');
    for (const t of options.topics) this.topics.spec(t);
    const consumer = new KafkaEventConsumer<T>(
      this.kafka,
      this.topics,
      this.deadLetterPublisher,
      this.logger,
      this.counters,
      options,
    );
    this.consumers.add(consumer as unknown as KafkaEventConsumer<TopicName>);
    try {
      await consumer.start();
    } catch (err) {
      this.consumers.delete(consumer as unknown as KafkaEventConsumer<TopicName>);
      await consumer.close().catch(() => undefined);
      throw err;
    }
    return consumer;
  }

  deadLetters(): DeadLetterPublisher {
    return this.deadLetterPublisher;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Consumers first: their handlers may still publish, and dead letters need the producer.
    await Promise.all([...this.consumers].map((c) => c.close()));
    await this.eventProducer.close();
    if (this.admin) {
      await this.admin
        .disconnect()
        .catch((err: unknown) => this.logger.warn({ err }, 'bus admin disconnect failed'));
      this.admin = null;
    }
  }

  isHealthy(): boolean {
    return this.health().healthy;
  }

  health(): BusHealth {
    const consumers = [...this.consumers].map((c) => ({
      groupId: c.groupId,
      topics: c.topics,
      state: c.state(),
    }));
    const producer = this.eventProducer.state();
    const healthy =
      !this.closed &&
      producer !== 'failing' &&
      consumers.every((c) => c.state === 'running' || c.state === 'starting' || c.state === 'closed');
    return { healthy, producer, consumers };
  }

  stats(): Readonly<BusStats> {
    return this.counters;
  }

  private settings(topic: TopicName): TopicSettings {
    return { ...this.config.topics, ...(this.config.topicOverrides?.[topic] ?? {}) };
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new BusClosedError(what);
  }
}
