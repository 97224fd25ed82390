import type {
  BeforeApplicationShutdown,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Bus, EventConsumer } from '@tapeline/bus';
import type { Logger } from '@tapeline/telemetry';
import type { AggregationConfig } from '../config';
import type { BarStore } from '../history/bar-store';
import type { InstrumentDirectory } from '../instruments/instrument-directory';
import { INGEST_TOPICS, MarketEventIngest, type IngestTopic } from '../ingest/market-event-ingest';
import { BarOutlet } from '../publishing/bar-outlet';
import { LatestStateCache } from '../publishing/latest-state-cache';
import { CheckpointFile } from '../restart/checkpoint-file';
import { Checkpointer } from '../restart/checkpointer';
import { BarClock } from './bar-clock';
import { InstrumentRegistry } from './instrument-registry';

const CONSUMER_RETRY_MS = 2000;

/**
 * The service's moving parts, wired and run: consumer -> aggregates -> bars out (bus, store,
 * StreamBars, Redis), the clock, and the checkpoints that make a restart exact.
 * Start: restore the checkpoint, read what the store already holds, then consume (in the
 * background: the service answers health checks while Kafka is still away). Stop: leave the
 * group, take a last checkpoint, flush the store — before the bus itself closes.
 */
export class AggregationPipeline
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly registry: InstrumentRegistry;
  readonly outlet: BarOutlet;
  private readonly ingest: MarketEventIngest;
  private readonly clock: BarClock;
  private readonly checkpointer: Checkpointer;
  private readonly cache: LatestStateCache | null;
  private consumer: EventConsumer | null = null;
  private stopping = false;
  private starting: Promise<void> | null = null;

  constructor(
    private readonly config: AggregationConfig,
    private readonly bus: Bus,
    readonly store: BarStore,
    readonly directory: InstrumentDirectory,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.outlet = new BarOutlet(bus, store, logger, metrics);
    this.registry = new InstrumentRegistry(
      {
        barTypes: config.barTypes,
        sessionStartMicrosOfDay: config.sessionStartMicrosOfDay,
        divergenceLookback: config.divergenceLookback,
        heatmap: config.heatmap,
      },
      this.outlet,
    );
    this.ingest = new MarketEventIngest(this.registry, directory, logger, metrics, config);
    this.cache = config.redisUrl ? new LatestStateCache(config.redisUrl, config.redisPrefix, logger) : null;
    this.clock = new BarClock(this.registry, this.ingest, this.outlet, this.cache, logger, {
      tickMs: config.clockTickMs,
      closeGraceMs: config.closeGraceMs,
    });
    this.checkpointer = new Checkpointer(
      new CheckpointFile(config.stateDir),
      this.registry,
      this.ingest,
      this.outlet,
      store,
      logger,
      metrics,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const restored = await this.checkpointer.restore();
    this.outlet.setStoredThrough(await this.store.storedThrough());
    this.logger.info(
      { restored: restored ?? 'none: replaying the topics from their beginning', store: this.store.kind },
      'aggregation state restored',
    );
    this.clock.start();
    this.checkpointer.start(this.config.checkpointIntervalMs);
    this.starting = this.startConsumer();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.clock.stop();
    await this.starting;
    await this.consumer?.close();
    this.ingest.watch(null);
    await this.checkpointer.stop();
    this.outlet.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache?.close();
    await this.store.close().catch((err: unknown) => this.logger.error({ err }, 'store close failed'));
  }

  /**
   * Consumes with a group of its own per process start, from the beginning of the topics: the
   * restored checkpoint's offsets say what to skip (see README: the bus has no "start at these
   * offsets" yet, and the committed offsets of a shared group may be ahead of the checkpoint).
   */
  private async startConsumer(): Promise<void> {
    const groupId = `${this.config.consumerGroup}.${Date.now().toString(36)}`;
    while (!this.stopping) {
      try {
        await this.bus.ensureTopics();
        this.consumer = await this.bus.consume<IngestTopic>({
          groupId,
          topics: INGEST_TOPICS,
          fromBeginning: true,
          handler: this.ingest.handle,
          // A symbol-service outage holds the partition for about a minute before dead-lettering.
          handlerAttempts: 30,
          handlerRetryMaxMs: 2000,
        });
        this.ingest.watch(this.consumer);
        this.logger.info({ groupId, topics: INGEST_TOPICS }, 'consuming market topics');
        return;
      } catch (err) {
        this.logger.warn({ err, retryInMs: CONSUMER_RETRY_MS }, 'consumer not started; retrying');
        await new Promise((r) => setTimeout(r, CONSUMER_RETRY_MS).unref());
      }
    }
  }
}
