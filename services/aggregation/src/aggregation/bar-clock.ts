import { nowMicros, type Logger } from '@tapeline/telemetry';
import type { MarketEventIngest } from '../ingest/market-event-ingest';
import type { BarOutlet } from '../publishing/bar-outlet';
import type { LatestStateCache } from '../publishing/latest-state-cache';
import type { InstrumentRegistry, TrackedInstrument } from './instrument-registry';

/**
 * Moves every instrument's time forward when no trade does, so bars close on time in a quiet
 * market, and sends the forming-bar updates (at most one per instrument and bar type per tick).
 *
 * An instrument's clock is its last live event's time carried forward by the wall clock (event
 * time = wall time + skew, skew measured at that event), held back by the close grace so that a
 * trade still in flight is counted in its own bar. A feed whose times lag the wall clock (a replay
 * at 1x) therefore closes bars on its own time, not ours. While the consumer is catching up
 * (after a start or when it fell behind) the clock stands still: only replayed trades move time.
 */
export class BarClock {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly ingest: MarketEventIngest,
    private readonly outlet: BarOutlet,
    private readonly cache: LatestStateCache | null,
    private readonly logger: Logger,
    private readonly timing: { tickMs: number; closeGraceMs: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.timing.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    if (!this.ingest.isLive()) return;
    const now = nowMicros();
    const grace = this.timing.closeGraceMs * 1000;
    for (const instrument of this.registry.all()) {
      try {
        const target = now + (instrument.skewMicros ?? 0) - grace;
        if (target > instrument.watermark) {
          instrument.aggregates.advanceTo(target);
          instrument.watermark = target;
        }
        if (instrument.dirty) this.sendUpdates(instrument, now);
      } catch (err) {
        this.logger.error({ err, instrumentId: instrument.spec.instrumentId }, 'clock tick failed');
      }
    }
  }

  private sendUpdates(instrument: TrackedInstrument, now: number): void {
    instrument.dirty = false;
    const a = instrument.aggregates;
    for (const barType of a.barTypes) {
      const bar = a.formingBar(barType);
      if (bar !== null) this.outlet.formingBar(instrument, bar);
    }
    this.cache?.write(instrument, now);
  }
}
