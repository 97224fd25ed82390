import { Counter, Histogram, type Registry } from 'prom-client';
import { AggregateError } from '@tapeline/aggregates';
import { nowMicros, type Logger } from '@tapeline/telemetry';
import type { InstrumentRegistry } from '../aggregation/instrument-registry';
import type { BarStore } from '../history/bar-store';
import type { MarketEventIngest } from '../ingest/market-event-ingest';
import type { BarOutlet } from '../publishing/bar-outlet';
import type { Checkpoint, CheckpointFile } from './checkpoint-file';

/**
 * Takes checkpoints (see README "Restart correctness"): captures the aggregates' states and the
 * applied offsets in one synchronous step (no message is applied in between), waits until every
 * bar closed before that instant is published and stored, then replaces the checkpoint file.
 * If a closed bar could not be published the checkpoint is not written, and none after it: the
 * replay from the previous one must close that bar again.
 */
export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private blocked = false;
  private readonly taken: Counter;
  private readonly duration: Histogram;

  constructor(
    private readonly file: CheckpointFile,
    private readonly registry: InstrumentRegistry,
    private readonly ingest: MarketEventIngest,
    private readonly outlet: BarOutlet,
    private readonly store: BarStore,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.taken = new Counter({
      name: 'aggregation_checkpoints_total',
      help: 'Checkpoints written (aggregate states and consumed offsets)',
      registers: [metrics],
    });
    this.duration = new Histogram({
      name: 'aggregation_checkpoint_seconds',
      help: 'Time to capture and write a checkpoint',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics],
    });
  }

  /**
   * Restores the last checkpoint into the registry and the ingest, or starts empty (then the
   * consumer replays the topics from their beginning). Returns what was restored, for the log.
   */
  async restore(): Promise<{ instruments: number; offsets: number; takenAtMicros: number } | null> {
    let checkpoint: Checkpoint | null;
    try {
      checkpoint = await this.file.read();
    } catch (err) {
      this.logger.error({ err, file: this.file.file }, 'checkpoint unreadable: replaying from the beginning');
      return null;
    }
    if (checkpoint === null) return null;
    if (checkpoint.settings !== this.registry.settingsKey) {
      this.logger.warn(
        { was: checkpoint.settings, now: this.registry.settingsKey },
        'checkpoint taken under other aggregate settings: replaying from the beginning',
      );
      return null;
    }
    try {
      for (const i of checkpoint.instruments) this.registry.restore(i.spec, i.state, i.skewMicros);
    } catch (err) {
      if (!(err instanceof AggregateError)) throw err;
      // Half a checkpoint would skip the other instruments' messages: use none of it.
      this.registry.clear();
      this.logger.error({ err }, 'checkpoint does not restore: replaying from the beginning');
      return null;
    }
    this.ingest.startFrom(checkpoint.offsets);
    return {
      instruments: checkpoint.instruments.length,
      offsets: Object.keys(checkpoint.offsets).length,
      takenAtMicros: checkpoint.takenAtMicros,
    };
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.checkpoint(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and takes a last checkpoint (call after the consumer has stopped). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.checkpoint();
  }

  checkpoint(): Promise<void> {
    if (this.running || this.blocked) return this.running ?? Promise.resolve();
    this.running = this.take()
      .catch((err: unknown) => this.logger.error({ err }, 'checkpoint failed'))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async take(): Promise<void> {
    const end = this.duration.startTimer();
    const checkpoint: Checkpoint = {
      version: 1,
      takenAtMicros: nowMicros(),
      settings: this.registry.settingsKey,
      offsets: this.ingest.appliedOffsets(),
      instruments: [...this.registry.all()].map((t) => ({
        spec: t.spec,
        skewMicros: t.skewMicros,
        state: t.aggregates.snapshot(),
      })),
    };
    if (!(await this.outlet.settled())) {
      this.blocked = true;
      this.logger.error('a closed bar was not published: no further checkpoint in this process');
      return;
    }
    await this.store.flush();
    await this.file.write(checkpoint);
    this.taken.inc();
    end();
  }
}
