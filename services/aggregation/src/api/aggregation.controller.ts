import { Controller, Inject } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { Observable, filter, map } from 'rxjs';
import {
  AggregateError,
  MICROS_PER_SECOND,
  VolumeProfile,
  VwapAccumulator,
  formatBarType,
  parseBarType,
  toBarEvent,
  type VwapValue,
} from '@tapeline/aggregates';
import { aggregationV1 } from '@tapeline/contracts';
import { HistoryError } from '@tapeline/history';
import { IndicatorError } from '@tapeline/indicators';
import { grpcError, invalidArgument, notFound, unavailable } from '@tapeline/service-kit';
import { nowMicros } from '@tapeline/telemetry';
import { AggregationPipeline } from '../aggregation/aggregation-pipeline';
import type { TrackedInstrument } from '../aggregation/instrument-registry';
import { SymbolUnavailableError, type InstrumentSpec } from '../instruments/instrument-directory';
import { decodePageToken, encodePageToken, groupByBar, storedBarToEvent, timestamp } from './bar-mapper';
import { ALL_INDICATORS, indicatorSeries, warmupBars } from './indicator-series';

const DEFAULT_PAGE = 500;
const MAX_PAGE = 5000;
const MAX_DELTA_BARS = 10_000;
const MAX_HEATMAP_COLUMNS = 10_000;
const MAX_INDICATOR_PERIOD = 1000;
const DEFAULT_HEATMAP_SPAN_MICROS = 300 * MICROS_PER_SECOND;

/**
 * tapeline.aggregation.v1.AggregationService: live figures from the in-memory aggregates, history
 * from the service's ClickHouse database. Unknown instrument: NOT_FOUND; a bar type that is not
 * valid or not aggregated here: INVALID_ARGUMENT naming it; history or symbol service away: UNAVAILABLE.
 */
@Controller()
@aggregationV1.AggregationServiceControllerMethods()
export class AggregationController implements aggregationV1.AggregationServiceController {
  private readonly barTypes: readonly string[];
  /** The finest time bar type: anchored/rolling VWAP and range profiles are built from its footprints. */
  private readonly finest: { barType: string; frameMicros: number } | null;

  constructor(@Inject(AggregationPipeline) private readonly pipeline: AggregationPipeline) {
    this.barTypes = pipeline.registry.barTypesConfigured;
    this.finest = finestTimeBars(this.barTypes);
  }

  async getFormingBar(req: aggregationV1.GetFormingBarRequest): Promise<aggregationV1.GetFormingBarResponse> {
    return this.rpc(async () => {
      const barType = this.barType(req.barType);
      const { tracked } = await this.instrument(req.instrumentId);
      const bar = tracked?.aggregates.formingBar(barType) ?? null;
      return bar === null ? {} : { bar: toBarEvent(bar, tracked!.spec.priceScale, tracked!.spec.sizeScale) };
    });
  }

  async listBars(req: aggregationV1.ListBarsRequest): Promise<aggregationV1.ListBarsResponse> {
    return this.rpc(async () => {
      const barType = this.barType(req.barType);
      const { spec } = await this.instrument(req.instrumentId);
      const { fromMicros, toMicros } = range(req.range, 0);
      const size = pageSize(req.page?.pageSize ?? 0);
      const token = req.page?.pageToken ?? '';
      const after = token === '' ? null : decodePageToken(token, spec.instrumentId, barType);
      if (token !== '' && after === null)
        throw invalidArgument('page_token is not a token of this instrument and bar type');
      const store = this.pipeline.store;
      const { bars, total } = await store.listBars(
        spec.instrumentId,
        barType,
        { fromMicros, toMicros, afterMicros: after },
        size + 1,
      );
      const page = bars.slice(0, size);
      const levels =
        page.length === 0
          ? new Map()
          : groupByBar(
              await store.footprintsOf(
                spec.instrumentId,
                barType,
                Number(page[0]!.open_us),
                Number(page[page.length - 1]!.open_us),
              ),
            );
      const last = page[page.length - 1];
      return {
        bars: page.map((row) => storedBarToEvent(row, levels.get(row.open_us) ?? [])),
        pageInfo: {
          nextPageToken:
            bars.length > size && last ? encodePageToken(spec.instrumentId, barType, last.open_us) : '',
          totalSize: total,
        },
      };
    });
  }

  async getVwap(req: aggregationV1.GetVwapRequest): Promise<aggregationV1.GetVwapResponse> {
    return this.rpc(async () => {
      const { spec, tracked } = await this.instrument(req.instrumentId);
      const now = nowMicros();
      const Mode = aggregationV1.VwapMode;
      let value: VwapValue | null;
      if (req.mode === Mode.VWAP_MODE_SESSION || req.mode === Mode.VWAP_MODE_UNSPECIFIED) {
        value = tracked?.aggregates.sessionVwapValue() ?? null;
      } else if (req.mode === Mode.VWAP_MODE_ANCHORED) {
        const anchor = micros(req.anchor?.unixMicros, 'anchor');
        if (anchor === null) throw invalidArgument('anchor is required for VWAP_MODE_ANCHORED');
        value = await this.vwapSince(spec, tracked, anchor, now);
      } else if (req.mode === Mode.VWAP_MODE_ROLLING) {
        if (!(req.windowSeconds > 0))
          throw invalidArgument('window_seconds must be positive for VWAP_MODE_ROLLING');
        value = await this.vwapSince(spec, tracked, now - req.windowSeconds * MICROS_PER_SECOND, now);
      } else {
        throw invalidArgument(`mode contains an invalid value ${req.mode as number}`);
      }
      return {
        instrumentId: spec.instrumentId,
        priceScale: spec.priceScale,
        sizeScale: spec.sizeScale,
        vwap: String(value?.vwap ?? 0),
        stdDev: String(Math.round(value?.stdDev ?? 0)),
        volume: String(value?.volume ?? 0),
        bands:
          value === null
            ? []
            : [
                { sigmas: 1, upper: String(value.upper1), lower: String(value.lower1) },
                { sigmas: 2, upper: String(value.upper2), lower: String(value.lower2) },
                { sigmas: 3, upper: String(value.upper3), lower: String(value.lower3) },
              ],
        asOf: timestamp(now),
      };
    });
  }

  async getDelta(req: aggregationV1.GetDeltaRequest): Promise<aggregationV1.GetDeltaResponse> {
    return this.rpc(async () => {
      const barType = this.barType(req.barType);
      const { spec } = await this.instrument(req.instrumentId);
      const { fromMicros, toMicros } = range(req.range, 0);
      const { bars, total } = await this.pipeline.store.listBars(
        spec.instrumentId,
        barType,
        { fromMicros, toMicros, afterMicros: null },
        MAX_DELTA_BARS,
      );
      if (total > MAX_DELTA_BARS)
        throw invalidArgument(`range holds ${total} bars; at most ${MAX_DELTA_BARS} per call`);
      return {
        priceScale: spec.priceScale,
        sizeScale: spec.sizeScale,
        bars: bars.map((b) => ({
          openTime: timestamp(b.open_us),
          delta: String(BigInt(b.buy_volume) - BigInt(b.sell_volume)),
          cumulativeDelta: b.cumulative_delta,
          close: b.close,
          bearishDivergence: b.bearish_divergence,
          bullishDivergence: b.bullish_divergence,
        })),
      };
    });
  }

  async getVolumeProfile(
    req: aggregationV1.GetVolumeProfileRequest,
  ): Promise<aggregationV1.GetVolumeProfileResponse> {
    return this.rpc(async () => {
      const { spec, tracked } = await this.instrument(req.instrumentId);
      const profile = new VolumeProfile(spec.tickSize, {
        rowTicks: req.rowTicks || 1,
        valueAreaPercent: req.valueAreaPercent || 70,
      });
      if (!req.range) {
        for (const l of tracked?.aggregates.sessionProfile()?.levels ?? []) {
          if (l.buyVolume > 0) profile.add(l.price, l.buyVolume, true);
          if (l.sellVolume > 0) profile.add(l.price, l.sellVolume, false);
        }
      } else {
        const { fromMicros, toMicros } = range(req.range, 0);
        for (const r of await this.volumeByPrice(spec.instrumentId, fromMicros, toMicros)) {
          profile.addFootprint([
            { price: Number(r.price), askVolume: Number(r.ask), bidVolume: Number(r.bid) },
          ]);
        }
      }
      const p = profile.read();
      return {
        priceScale: spec.priceScale,
        sizeScale: spec.sizeScale,
        levels: p.levels.map((l) => ({
          price: String(l.price),
          volume: String(l.volume),
          buyVolume: String(l.buyVolume),
          sellVolume: String(l.sellVolume),
        })),
        pocPrice: String(p.pocPrice ?? 0),
        valueAreaHigh: String(p.valueAreaHigh ?? 0),
        valueAreaLow: String(p.valueAreaLow ?? 0),
        totalVolume: String(p.totalVolume),
      };
    });
  }

  async getHeatmap(req: aggregationV1.GetHeatmapRequest): Promise<aggregationV1.GetHeatmapResponse> {
    return this.rpc(async () => {
      const { spec } = await this.instrument(req.instrumentId);
      const to = micros(req.range?.to?.unixMicros, 'range.to') ?? nowMicros();
      const { fromMicros, toMicros } = range(req.range, to - DEFAULT_HEATMAP_SPAN_MICROS);
      const step = (req.timeStepSeconds || 1) * MICROS_PER_SECOND;
      if ((toMicros - fromMicros) / step > MAX_HEATMAP_COLUMNS) {
        throw invalidArgument(`range / time_step_seconds gives more than ${MAX_HEATMAP_COLUMNS} columns`);
      }
      const bucket = (req.priceBucketTicks || 1) * spec.tickSize;
      const cells = await this.pipeline.store.heatmapCells(
        spec.instrumentId,
        fromMicros,
        toMicros,
        step,
        bucket,
      );
      const prices = [...new Set(cells.map((c) => c.bucket))].sort((a, b) => Number(a) - Number(b));
      const row = new Map(prices.map((p, i) => [p, i]));
      const columns: aggregationV1.HeatmapColumn[] = [];
      for (const c of cells) {
        let column = columns[columns.length - 1];
        if (column === undefined || column.time?.unixMicros !== c.step_us) {
          column = {
            time: timestamp(c.step_us),
            bidSizes: prices.map(() => '0'),
            askSizes: prices.map(() => '0'),
          };
          columns.push(column);
        }
        column.bidSizes[row.get(c.bucket)!] = c.bid;
        column.askSizes[row.get(c.bucket)!] = c.ask;
      }
      return { priceScale: spec.priceScale, sizeScale: spec.sizeScale, prices, columns };
    });
  }

  async getIndicators(req: aggregationV1.GetIndicatorsRequest): Promise<aggregationV1.GetIndicatorsResponse> {
    return this.rpc(async () => {
      const barType = this.barType(req.barType);
      const { spec } = await this.instrument(req.instrumentId);
      if (req.period > MAX_INDICATOR_PERIOD)
        throw invalidArgument(`period must be at most ${MAX_INDICATOR_PERIOD}`);
      const kinds = req.kinds.length === 0 ? ALL_INDICATORS : req.kinds;
      const limit = Math.min(req.limit || 100, MAX_PAGE);
      const bars = await this.pipeline.store.latestBars(
        spec.instrumentId,
        barType,
        limit + warmupBars(kinds, req.period),
      );
      return { series: indicatorSeries(bars, kinds, req.period, limit) };
    });
  }

  streamBars(req: aggregationV1.StreamBarsRequest): Observable<aggregationV1.StreamBarsResponse> {
    return new Observable<aggregationV1.StreamBarsResponse>((sub) => {
      let inner: { unsubscribe(): void } | undefined;
      let ended = false;
      this.rpc(async () => {
        const barTypes = new Set((req.barTypes.length ? req.barTypes : ['1m']).map((t) => this.barType(t)));
        for (const id of req.instrumentIds) await this.instrument(id);
        const ids = new Set(req.instrumentIds);
        return this.pipeline.outlet.live.pipe(
          filter((bar) => barTypes.has(bar.barType) && (ids.size === 0 || ids.has(bar.instrumentId))),
          map((bar) => ({ bar })),
        );
      }).then(
        (live$) => {
          if (!ended) inner = live$.subscribe(sub);
        },
        (err: unknown) => sub.error(rpcErrorOf(err)),
      );
      return () => {
        ended = true;
        inner?.unsubscribe();
      };
    });
  }

  /** VWAP of the trades since `anchor` (rounded down to the finest bar), from footprints and the forming bar. */
  private async vwapSince(
    spec: InstrumentSpec,
    tracked: TrackedInstrument | undefined,
    anchor: number,
    now: number,
  ): Promise<VwapValue | null> {
    const acc = new VwapAccumulator();
    for (const r of await this.volumeByPrice(spec.instrumentId, anchor, now)) {
      acc.add(Number(r.price), Number(r.ask) + Number(r.bid));
    }
    const forming = tracked?.aggregates.formingBar(this.finest!.barType);
    if (forming?.footprint && forming.openTimeMicros >= this.alignDown(anchor)) {
      for (const l of forming.footprint.levels) acc.add(l.price, l.askVolume + l.bidVolume);
    }
    return acc.read();
  }

  private volumeByPrice(instrumentId: string, fromMicros: number, toMicros: number) {
    if (this.finest === null)
      throw grpcError(status.FAILED_PRECONDITION, 'no time bar type is aggregated here');
    return this.pipeline.store.volumeByPrice(
      instrumentId,
      this.finest.barType,
      this.alignDown(fromMicros),
      toMicros,
    );
  }

  private alignDown(t: number): number {
    const frame = this.finest!.frameMicros;
    return Math.floor(t / frame) * frame;
  }

  /** The instrument's aggregates if it has traded since the state began, and its spec either way. */
  private async instrument(
    instrumentId: string,
  ): Promise<{ spec: InstrumentSpec; tracked: TrackedInstrument | undefined }> {
    if (!instrumentId) throw invalidArgument('instrument_id is required');
    const tracked = this.pipeline.registry.get(instrumentId);
    if (tracked) return { spec: tracked.spec, tracked };
    const spec = await this.pipeline.directory.resolve(instrumentId);
    if (spec === null) throw notFound(`instrument "${instrumentId}" not found`);
    return { spec, tracked: undefined };
  }

  /** A bar type in canonical form, refused when malformed or not aggregated here. */
  private barType(text: string): string {
    if (!text) throw invalidArgument('bar_type is required');
    let canonical: string;
    try {
      canonical = formatBarType(parseBarType(text));
    } catch (err) {
      if (err instanceof AggregateError) throw invalidArgument(`bar_type: ${err.message}`);
      throw err;
    }
    if (!this.barTypes.includes(canonical)) {
      throw invalidArgument(
        `bar type "${text}" is not aggregated here (available: ${this.barTypes.join(', ')})`,
      );
    }
    return canonical;
  }

  /** Domain and dependency errors as gRPC statuses; the rest reaches the kit's filter (INTERNAL). */
  private async rpc<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw rpcExceptionOf(err);
    }
  }
}

function rpcExceptionOf(err: unknown): unknown {
  if (err instanceof AggregateError || err instanceof IndicatorError || err instanceof RangeError) {
    return invalidArgument(err.message);
  }
  if (err instanceof SymbolUnavailableError) return unavailable(err.message);
  if (err instanceof HistoryError && err.retryable) return unavailable(`history unavailable: ${err.message}`);
  return err;
}

/** For streams, whose errors go to the caller as the observable's error: {code, message}. */
function rpcErrorOf(err: unknown): unknown {
  const mapped = rpcExceptionOf(err);
  const payload = (mapped as { getError?: () => unknown }).getError?.();
  return payload ?? { code: status.INTERNAL, message: 'internal error' };
}

function micros(text: string | undefined, what: string): number | null {
  if (text === undefined || text === null) return null;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${what} is not a valid time: ${text}`);
  return n;
}

/** [from, to) in micros; an unset `to` is now, an unset `from` the given default. */
function range(
  r: aggregationV1.BarRange | null | undefined,
  defaultFrom: number,
): { fromMicros: number; toMicros: number } {
  const fromMicros = micros(r?.from?.unixMicros, 'range.from') ?? defaultFrom;
  const toMicros = micros(r?.to?.unixMicros, 'range.to') ?? nowMicros();
  if (fromMicros > toMicros) throw invalidArgument(`range.from ${fromMicros} is after range.to ${toMicros}`);
  return { fromMicros, toMicros };
}

function pageSize(requested: number): number {
  return requested === 0 ? DEFAULT_PAGE : Math.min(requested, MAX_PAGE);
}

function finestTimeBars(barTypes: readonly string[]): { barType: string; frameMicros: number } | null {
  let best: { barType: string; frameMicros: number } | null = null;
  for (const barType of barTypes) {
    const kind = parseBarType(barType);
    if (kind.kind === 'time' && (best === null || kind.frameMicros < best.frameMicros)) {
      best = { barType, frameMicros: kind.frameMicros };
    }
  }
  return best;
}
