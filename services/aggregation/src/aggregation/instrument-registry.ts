import {
  InstrumentAggregates,
  type Bar,
  type HeatmapColumn,
  type InstrumentAggregatesSpec,
  type InstrumentAggregatesState,
} from '@tapeline/aggregates';
import type { InstrumentSpec } from '../instruments/instrument-directory';

/** The aggregate settings shared by every instrument (from the service's configuration). */
export interface AggregateSettings {
  barTypes: readonly string[];
  sessionStartMicrosOfDay: number;
  divergenceLookback: number;
  heatmap: boolean;
}

/** One instrument's aggregates and what the service tracks beside them. */
export class TrackedInstrument {
  /** Event time the aggregates have been moved to (by trades or the clock); -Infinity before any. */
  watermark: number;
  /** Event time minus arrival time at the last event that arrived live; null if none did yet. */
  skewMicros: number | null;
  /** Something changed since the last forming-bar update went out. */
  dirty = false;
  /** Closed bars of this instrument go out one after the other (see BarOutlet). */
  outbound: Promise<void> = Promise.resolve();

  readonly aggregates: InstrumentAggregates;

  /** `build` makes the aggregates, whose outputs name this instrument. */
  constructor(
    readonly spec: InstrumentSpec,
    skewMicros: number | null,
    build: (self: TrackedInstrument) => InstrumentAggregates,
  ) {
    this.skewMicros = skewMicros;
    this.watermark = -Infinity;
    this.aggregates = build(this);
  }
}

/** Where the aggregates' results go. */
export interface AggregateOutputs {
  closedBar(instrument: TrackedInstrument, bar: Bar): void;
  heatmapColumn(instrument: TrackedInstrument, column: HeatmapColumn): void;
}

/** The instruments being aggregated, created on their first event or restored from a checkpoint. */
export class InstrumentRegistry {
  private readonly instruments = new Map<string, TrackedInstrument>();
  /** Settings in a stable text form: a checkpoint taken under other settings is not restored. */
  readonly settingsKey: string;

  constructor(
    private readonly settings: AggregateSettings,
    private readonly outputs: AggregateOutputs,
  ) {
    this.settingsKey = JSON.stringify(settings);
  }

  get(instrumentId: string): TrackedInstrument | undefined {
    return this.instruments.get(instrumentId);
  }

  all(): IterableIterator<TrackedInstrument> {
    return this.instruments.values();
  }

  get barTypesConfigured(): readonly string[] {
    return this.settings.barTypes;
  }

  get size(): number {
    return this.instruments.size;
  }

  add(spec: InstrumentSpec): TrackedInstrument {
    return this.track(spec, null, (s, sinks) => new InstrumentAggregates(s, sinks));
  }

  /** Rebuilds an instrument from its checkpoint (throws AggregateError INVALID_SNAPSHOT on a mismatch). */
  restore(
    spec: InstrumentSpec,
    state: InstrumentAggregatesState,
    skewMicros: number | null,
  ): TrackedInstrument {
    const tracked = this.track(spec, skewMicros, (s, sinks) => InstrumentAggregates.restore(s, state, sinks));
    tracked.watermark = state.watermarkMicros ?? -Infinity;
    return tracked;
  }

  clear(): void {
    this.instruments.clear();
  }

  private track(
    spec: InstrumentSpec,
    skewMicros: number | null,
    build: (
      s: InstrumentAggregatesSpec,
      sinks: ConstructorParameters<typeof InstrumentAggregates>[1],
    ) => InstrumentAggregates,
  ): TrackedInstrument {
    const tracked = new TrackedInstrument(spec, skewMicros, (self) =>
      build(this.aggregatesSpec(spec), {
        onBar: (bar) => this.outputs.closedBar(self, bar),
        onHeatmapColumn: (column) => this.outputs.heatmapColumn(self, column),
      }),
    );
    this.instruments.set(spec.instrumentId, tracked);
    return tracked;
  }

  private aggregatesSpec(spec: InstrumentSpec): InstrumentAggregatesSpec {
    const s = this.settings;
    return {
      instrumentId: spec.instrumentId,
      priceScale: spec.priceScale,
      sizeScale: spec.sizeScale,
      tickSize: spec.tickSize,
      sessionStartMicrosOfDay: s.sessionStartMicrosOfDay,
      bars: s.barTypes.map((barType) => ({
        barType,
        footprint: true,
        ...(s.divergenceLookback > 0 ? { divergenceLookback: s.divergenceLookback } : {}),
      })),
      // One column per second, one row per tick: GetHeatmap regrids from these.
      heatmap: s.heatmap ? { stepMicros: 1_000_000, bucketTicks: 1 } : false,
    };
  }
}
