import { Subject } from 'rxjs';
import { Counter, type Registry } from 'prom-client';
import { toBarEvent, type Bar, type HeatmapColumn } from '@tapeline/aggregates';
import { BusClosedError, type Bus } from '@tapeline/bus';
import type { eventsV1 } from '@tapeline/contracts';
import type { Logger } from '@tapeline/telemetry';
import type { AggregateOutputs, TrackedInstrument } from '../aggregation/instrument-registry';
import { seriesKey, type BarStore } from '../history/bar-store';

const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 5000;

/**
 * Where bars go. A closed bar is published on `bars` (retried until the broker takes it), then
 * stored; per instrument one after the other, so "stored" implies "published" for it and every
 * earlier bar of the instrument. That is what makes the restart replay safe: a bar the replay
 * closes again is dropped when the store already has it (open time <= the newest stored one of
 * its series), and published again only if the crash came between its publish and its insert.
 * Forming bars (closed = false) go out best-effort; both feed StreamBars through `live`.
 */
export class BarOutlet implements AggregateOutputs {
  /** Closed and forming bars as they go out, for StreamBars. */
  readonly live = new Subject<eventsV1.BarEvent>();
  private storedBars = new Map<string, number>();
  private storedHeatmap = new Map<string, number>();
  private readonly pending = new Set<Promise<boolean>>();
  private failed = false;
  private closing = false;
  private readonly published: Counter<'closed'>;
  private readonly deduplicated: Counter;

  constructor(
    private readonly bus: Bus,
    private readonly store: BarStore,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.published = new Counter({
      name: 'aggregation_bars_published_total',
      help: 'Bars published on the bars topic, closed or forming',
      labelNames: ['closed'],
      registers: [metrics],
    });
    this.deduplicated = new Counter({
      name: 'aggregation_bars_deduplicated_total',
      help: 'Closed bars a replay produced again and that were already stored and published',
      registers: [metrics],
    });
  }

  /** The newest stored bar per series and heatmap column per instrument, read at startup. */
  setStoredThrough(stored: { bars: Map<string, number>; heatmap: Map<string, number> }): void {
    this.storedBars = stored.bars;
    this.storedHeatmap = stored.heatmap;
  }

  closedBar(instrument: TrackedInstrument, bar: Bar): void {
    instrument.dirty = true;
    const through = this.storedBars.get(seriesKey(bar.instrumentId, bar.barType));
    if (through !== undefined && bar.openTimeMicros <= through) {
      this.deduplicated.inc();
      return;
    }
    const { priceScale, sizeScale } = instrument.spec;
    const event = toBarEvent(bar, priceScale, sizeScale);
    this.live.next(event);
    const done = instrument.outbound
      .then(() => this.publishUntilTaken(event))
      .then((ok) => {
        if (ok) this.store.appendBar(bar, priceScale, sizeScale);
        return ok;
      });
    instrument.outbound = done.then(() => undefined);
    this.pending.add(done);
    void done.then((ok) => {
      this.pending.delete(done);
      if (!ok) this.failed = true;
    });
  }

  heatmapColumn(instrument: TrackedInstrument, column: HeatmapColumn): void {
    const through = this.storedHeatmap.get(instrument.spec.instrumentId);
    if (through !== undefined && column.timeMicros <= through) return;
    this.store.appendHeatmapColumn(instrument.spec.instrumentId, column);
  }

  /** A forming-bar update: best-effort (the next one supersedes it). */
  formingBar(instrument: TrackedInstrument, bar: Bar): void {
    const event = toBarEvent(bar, instrument.spec.priceScale, instrument.spec.sizeScale);
    this.live.next(event);
    this.bus.publish('bars', event).then(
      () => this.published.inc({ closed: 'false' }),
      (err: unknown) => {
        if (!(err instanceof BusClosedError)) this.logger.warn({ err }, 'forming bar not published');
      },
    );
  }

  /**
   * Resolves once every closed bar handed over so far is published and appended to the store:
   * true, or false when one could not be published (the bus closed under it). A checkpoint taken
   * before must not be written after a false: the replay has to produce that bar again.
   */
  async settled(): Promise<boolean> {
    const results = await Promise.all([...this.pending]);
    return !this.failed && results.every(Boolean);
  }

  /** Stop retrying: publishes still failing resolve false. */
  close(): void {
    this.closing = true;
    this.live.complete();
  }

  private async publishUntilTaken(event: eventsV1.BarEvent): Promise<boolean> {
    let delay = RETRY_INITIAL_MS;
    for (;;) {
      try {
        await this.bus.publish('bars', event);
        this.published.inc({ closed: 'true' });
        return true;
      } catch (err) {
        if (err instanceof BusClosedError || this.closing) return false;
        this.logger.error(
          { err, instrumentId: event.instrumentId, barType: event.barType, retryInMs: delay },
          'closed bar not published; retrying',
        );
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
  }
}
