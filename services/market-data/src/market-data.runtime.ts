import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReconnectBackoff } from '@tapeline/feed-adapters';
import { FileReplay } from '@tapeline/market';
import { createFeedRunner, type FeedRunner } from './feeds/feed-adapters';
import { SymbolInstrumentSource } from './instruments/symbol-instrument-source';
import { MARKET_DATA, type MarketDataParts } from './market-data.parts';

const CHECK_INTERVAL_MS = 1000;
const SHUTDOWN_POLL_MS = 200;
/** Part of SHUTDOWN_TIMEOUT_MS left for the history to drain; the rest is for gRPC and the bus. */
const HISTORY_DRAIN_SHARE = 0.5;

/**
 * The service's life: at bootstrap it loads the instrument master from the symbol service and
 * makes sure the topics exist (retrying both until they answer), then starts the configured feeds
 * and the timers (stale-feed checks and resync retries, periodic snapshots, instrument refresh).
 * At shutdown open streams end first (so the gRPC drain can finish), then the feeds stop, and the
 * history writes what it holds before the store closes.
 */
@Injectable()
export class MarketDataRuntime
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly runners: FeedRunner[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly abort = new AbortController();
  private booting: Promise<void> = Promise.resolve();

  constructor(
    @Inject(MARKET_DATA) private readonly md: MarketDataParts,
    @Inject(SymbolInstrumentSource) private readonly instruments: SymbolInstrumentSource,
  ) {}

  onApplicationBootstrap(): void {
    const { health, pipeline } = this.md;
    // grpc-js drains in-flight calls on shutdown, and a market-data stream never ends by itself.
    const endStreams = () => {
      if (health.isShuttingDown()) pipeline.hub.closeAll();
    };
    health.onChange(endStreams);
    this.every(SHUTDOWN_POLL_MS, endStreams);
    this.booting = this.boot().catch((err: unknown) =>
      this.md.logger.fatal({ err }, 'market-data failed to start its feeds'),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    this.md.pipeline.hub.closeAll();
    // Boot may be inside a call to a dependency that is down; it checks the abort after it.
    await Promise.race([this.booting, sleep(1000)]);
    await Promise.all(
      this.runners.map((r) =>
        r.adapter
          .stop()
          .catch((err: unknown) => this.md.logger.error({ err, feed: r.label }, 'feed stop failed')),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const timeoutMs = Math.max(100, Math.floor(this.md.config.shutdownTimeoutMs * HISTORY_DRAIN_SHARE));
    await this.md.history
      .close(timeoutMs)
      .catch((err: unknown) => this.md.logger.error({ err }, 'history close failed'));
  }

  private async boot(): Promise<void> {
    const { config, catalog, pipeline, logger, bus } = this.md;
    await Promise.all([
      this.retry('load the instrument master from the symbol service', () => this.refreshInstruments()),
      this.retry('create the bus topics', () => bus.ensureTopics()),
    ]);
    if (this.abort.signal.aborted) return;
    for (const spec of config.feeds) {
      if (this.abort.signal.aborted) return;
      try {
        const runner = createFeedRunner(spec, config, catalog.all());
        this.runners.push(runner);
        await runner.adapter.start(pipeline.sinkFor(runner));
        logger.info({ feed: runner.label, venue: runner.adapter.venue }, 'feed started');
        if (runner.adapter instanceof FileReplay) {
          runner.adapter.finished.then(
            (summary) => logger.info({ feed: runner.label, ...summary }, 'replay finished'),
            (err: unknown) => logger.error({ err, feed: runner.label }, 'replay failed'),
          );
        }
      } catch (err) {
        // One feed that cannot start (no instrument to simulate, an unreadable file, a refused
        // login) leaves the others running.
        logger.error({ err, feed: spec }, 'feed failed to start');
      }
    }
    if (this.abort.signal.aborted) return;
    this.every(CHECK_INTERVAL_MS, () => pipeline.check());
    if (config.snapshotIntervalMs > 0)
      this.every(config.snapshotIntervalMs, () => pipeline.publishSnapshots());
    this.every(config.instrumentRefreshMs, () => {
      this.refreshInstruments().catch((err: unknown) =>
        logger.warn({ err }, 'instrument refresh failed; keeping the previous master'),
      );
    });
  }

  private async refreshInstruments(): Promise<void> {
    const instruments = await this.instruments.loadAll();
    const before = this.md.catalog.size;
    this.md.catalog.replace(instruments);
    if (instruments.length !== before) {
      this.md.logger.info({ instruments: instruments.length }, 'instrument master loaded');
    }
  }

  /** Retries `fn` with backoff until it succeeds or the service stops; logs each failure once per reason. */
  private async retry(what: string, fn: () => Promise<unknown>): Promise<void> {
    const backoff = new ReconnectBackoff({ baseMs: 200, maxMs: 5000 });
    let lastReason = '';
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        await fn();
        return;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (reason !== lastReason) this.md.logger.warn({ err, attempt }, `cannot ${what} yet; retrying`);
        lastReason = reason;
        await sleep(backoff.delayMs(attempt), undefined, { signal: this.abort.signal }).catch(
          () => undefined,
        );
      }
    }
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }
}
