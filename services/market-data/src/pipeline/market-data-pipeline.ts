import { randomUUID } from 'node:crypto';
import type { Histogram, Registry } from 'prom-client';
import type { Bus, TopicName, TopicPayloads } from '@tapeline/bus';
import { eventsV1, marketDataV1 } from '@tapeline/contracts';
import type { DropReason } from '@tapeline/history';
import {
  alertCandidate,
  DecimalScaler,
  FeedHandler,
  toAlertEvent,
  type AlertCandidate,
  type BookView,
  type FeedSink,
  type FeedStatus,
  type InstrumentResolver,
  type MarketOutput,
  type ResyncRequest,
} from '@tapeline/market';
import { nowMicros, type Logger } from '@tapeline/telemetry';
import type { FeedRunner } from '../feeds/feed-adapters';
import type { TickHistory } from '../history/tick-history';
import { MarketStreamHub, type BookSource } from '../stream/market-stream-hub';
import { FeedMetrics } from './feed-metrics';

const { FeedState } = marketDataV1;
type MarketTopic = 'trades' | 'quotes' | 'depth' | 'alerts';

export interface PipelineOptions {
  readonly resolver: InstrumentResolver;
  readonly bus: Bus;
  readonly history: TickHistory;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Levels per side of periodic snapshots and of stream/GetBook snapshots by default. */
  readonly depthLevels: number;
  readonly staleThresholdMicros: bigint;
  readonly outlierStdDevs: number;
  readonly streamBuffer: number;
}

/** What GetFeedStatus and the metrics know of one venue. */
interface VenueState {
  readonly venue: string;
  runner: FeedRunner;
  received: number;
  published: number;
  receiveLatency: Histogram.Internal<'venue'>;
  publishLatency: Histogram.Internal<'venue'>;
}

export interface BookAnswer {
  readonly view: BookView;
  /** Exchange time of the last update the book applied. */
  readonly updatedAtMicros: string;
}

const SOURCE = 'market-data';
const LOG_EVERY_MS = 10_000;

/**
 * market-data's wiring, framework-free: feed adapters -> FeedHandler -> outputs. Every output goes
 * to the bus (keyed by instrument), trades and quotes to history, and all of them to the
 * in-process stream hub; the latest quote and the books stay queryable for gRPC. A resync asks
 * the adapter that delivered the venue for a snapshot. Everything on the event path is
 * synchronous and never awaits: bus sends and history inserts complete in the background, and
 * their failures are counted and logged, never thrown into the feed.
 */
export class MarketDataPipeline implements BookSource {
  readonly handler: FeedHandler;
  readonly hub: MarketStreamHub;
  readonly metrics: FeedMetrics;
  private readonly venues = new Map<string, VenueState>();
  private readonly runnerStates = new Map<FeedRunner, marketDataV1.FeedState>();
  private readonly latestQuotes = new Map<string, eventsV1.QuoteEvent>();
  /** instrument id -> the venue whose book the read side follows (the first to publish one). */
  private readonly bookVenues = new Map<string, string>();
  /** venue -> instrument -> exchange time of the book's last update. */
  private readonly bookUpdates = new Map<string, Map<string, string>>();
  private readonly scaler = new DecimalScaler();
  private readonly published: Record<MarketTopic, { inc(): void }>;
  private readonly publishFailed: Record<MarketTopic, (err: unknown) => void>;
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly options: PipelineOptions) {
    const output: MarketOutput = {
      trade: (e) => {
        this.publish('trades', e, e.venue, e.receiveTimeMicros, e.publishTimeMicros);
        options.history.recordTrade(e);
        this.hub.trade(e);
      },
      quote: (e) => {
        this.latestQuotes.set(e.instrumentId, e);
        this.publish('quotes', e, e.venue, e.receiveTimeMicros, e.publishTimeMicros);
        options.history.recordQuote(e);
        this.hub.quote(e);
      },
      depth: (e) => {
        if (!this.bookVenues.has(e.instrumentId)) this.bookVenues.set(e.instrumentId, e.venue);
        let updates = this.bookUpdates.get(e.venue);
        if (!updates) this.bookUpdates.set(e.venue, (updates = new Map()));
        updates.set(e.instrumentId, e.exchangeTimeMicros);
        this.publish('depth', e, e.venue, e.receiveTimeMicros, e.publishTimeMicros);
        this.hub.depth(e);
      },
      alert: (c) => this.raise(c),
      resync: (r) => this.requestSnapshot(r),
    };
    this.handler = new FeedHandler({
      resolver: options.resolver,
      output,
      staleFeed: { thresholdMicros: options.staleThresholdMicros },
      outliers: { stdDevs: options.outlierStdDevs, bandRatio: 0.05 },
    });
    this.hub = new MarketStreamHub(this, { bufferPerInstrument: options.streamBuffer });
    this.metrics = new FeedMetrics(options.registry, {
      rejections: () =>
        this.handler.normaliser
          .rejectionCounts()
          .map((r) => [{ venue: r.venue, reason: r.reason }, r.count] as const),
      gaps: () => [...this.gapsByVenue()].map(([venue, gaps]) => [{ venue }, gaps] as const),
      history: () => {
        const s = options.history.stats();
        return { written: s.rowsInserted, retries: s.retries, buffered: s.rowsBuffered };
      },
      streams: () => this.hub.size,
      received: () => [...this.venues.values()].map((v) => [{ venue: v.venue }, v.received] as const),
    });
    const topics: MarketTopic[] = ['trades', 'quotes', 'depth', 'alerts'];
    this.published = Object.fromEntries(
      topics.map((t) => [t, this.metrics.eventsPublished.labels(t)]),
    ) as Record<MarketTopic, { inc(): void }>;
    this.publishFailed = Object.fromEntries(
      topics.map((t) => [t, (err: unknown) => this.publishFailure(t, err)]),
    ) as Record<MarketTopic, (err: unknown) => void>;
  }

  /** The sink an adapter delivers to: counts and times per venue, then the feed handler. */
  sinkFor(runner: FeedRunner): FeedSink {
    this.runnerStates.set(runner, FeedState.FEED_STATE_UNSPECIFIED);
    const handler = this.handler;
    let lastVenue = '';
    let last: VenueState | undefined;
    return {
      onEvent: (e) => {
        if (e.venue !== lastVenue || !last) {
          last = this.venue(e.venue, runner);
          lastVenue = e.venue;
        }
        last.received++;
        if (runner.live)
          last.receiveLatency.observe(Number(e.receiveTimeMicros - e.exchangeTimeMicros) / 1e6);
        handler.onEvent(e);
      },
      onMalformed: (frame) => {
        this.venue(frame.venue, runner);
        handler.onMalformed(frame);
      },
      onStatus: (status) => {
        this.venue(status.venue, runner);
        this.runnerStates.set(runner, feedState(status));
        this.options.logger.info({ feed: runner.label, ...status }, `feed ${status.state}`);
        handler.onStatus(status);
      },
    };
  }

  /** Periodic full-book snapshots: to `depth` (so a late consumer can start a book) and history. */
  publishSnapshots(): void {
    for (const snapshot of this.handler.books.snapshots(this.options.depthLevels)) {
      this.publish('depth', snapshot, snapshot.venue, undefined, snapshot.publishTimeMicros);
      this.options.history.recordDepthSnapshot(snapshot);
    }
  }

  /** Stale feeds, resync retries. */
  check(): void {
    this.handler.check();
  }

  /** History rows that never reached ClickHouse are raised on `alerts` besides the log and metric. */
  historyDropped(table: string, rows: number, reason: DropReason): void {
    this.raise(
      alertCandidate(
        eventsV1.AlertKind.ALERT_KIND_UNSPECIFIED,
        eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL,
        '',
        '',
        `market-data history dropped ${rows} ${table} rows (${reason})`,
        { reason: 'history_rows_dropped', table, rows: String(rows), drop_reason: reason },
        BigInt(nowMicros()),
      ),
    );
  }

  latestQuote(instrumentId: string): eventsV1.QuoteEvent | undefined {
    return this.latestQuotes.get(instrumentId);
  }

  /** The followed book of an instrument, once a snapshot arrived for it. */
  book(instrumentId: string, depth: number): BookAnswer | undefined {
    const venue = this.bookVenues.get(instrumentId);
    if (!venue) return undefined;
    const view = this.handler.books.levels(instrumentId, venue, depth);
    if (!view || view.state === 'awaiting_snapshot') return undefined;
    return { view, updatedAtMicros: this.bookUpdates.get(venue)?.get(instrumentId) ?? '0' };
  }

  bookVenue(instrumentId: string): string | undefined {
    return this.bookVenues.get(instrumentId);
  }

  snapshot(instrumentId: string, depth: number): eventsV1.DepthEvent | undefined {
    const venue = this.bookVenues.get(instrumentId);
    return venue ? this.handler.books.snapshot(instrumentId, venue, depth) : undefined;
  }

  feedStatus(): Omit<marketDataV1.GetFeedStatusResponse, `history${string}`> {
    const rejections = new Map<string, { unknown: number; offTick: number; malformed: number }>();
    for (const r of this.handler.normaliser.rejectionCounts()) {
      let v = rejections.get(r.venue);
      if (!v) rejections.set(r.venue, (v = { unknown: 0, offTick: 0, malformed: 0 }));
      if (r.reason === 'unknown_symbol') v.unknown += r.count;
      else if (r.reason === 'off_tick_price') v.offTick += r.count;
      else v.malformed += r.count;
    }
    const gaps = this.gapsByVenue();
    const venues = [...this.venues.values()]
      .sort((a, b) => a.venue.localeCompare(b.venue))
      .map((v) => {
        const r = rejections.get(v.venue);
        return {
          venue: v.venue,
          adapter: v.runner.label,
          state: this.runnerStates.get(v.runner) ?? FeedState.FEED_STATE_UNSPECIFIED,
          eventsReceived: String(v.received),
          eventsPublished: String(v.published),
          rejectedUnknownSymbol: String(r?.unknown ?? 0),
          rejectedOffTick: String(r?.offTick ?? 0),
          rejectedMalformed: String(r?.malformed ?? 0),
          sequenceGaps: String(gaps.get(v.venue) ?? 0),
        };
      });
    const books = this.handler.books
      .stats()
      .sort((a, b) => a.instrumentId.localeCompare(b.instrumentId) || a.venue.localeCompare(b.venue))
      .map((b) => ({
        instrumentId: b.instrumentId,
        sequence: String(Math.max(b.sequence, 0)),
        stale: b.state !== 'live',
        lastUpdate: { unixMicros: this.bookUpdates.get(b.venue)?.get(b.instrumentId) ?? '0' },
      }));
    return { venues, books };
  }

  private venue(name: string, runner: FeedRunner): VenueState {
    let v = this.venues.get(name);
    if (!v) {
      v = {
        venue: name,
        runner,
        received: 0,
        published: 0,
        receiveLatency: this.metrics.receiveLatency.labels(name),
        publishLatency: this.metrics.publishLatency.labels(name),
      };
      this.venues.set(name, v);
    }
    // The adapter that last delivered the venue answers its resync requests.
    v.runner = runner;
    return v;
  }

  /** `receiveMicros` (with the event's publish time) feeds the latency histogram; snapshots pass none. */
  private publish<T extends MarketTopic>(
    topic: T,
    event: TopicPayloads[T],
    venue: string,
    receiveMicros: string | undefined,
    publishMicros: string,
  ): void {
    const v = this.venues.get(venue);
    if (v) {
      v.published++;
      if (v.runner.live && receiveMicros !== undefined) {
        const scaler = this.scaler;
        v.publishLatency.observe((scaler.parse(publishMicros, 0) - scaler.parse(receiveMicros, 0)) / 1e6);
      }
    }
    this.published[topic].inc();
    this.options.bus.publish(topic as TopicName, event).catch(this.publishFailed[topic]);
  }

  private raise(candidate: AlertCandidate): void {
    const alert = toAlertEvent(candidate, randomUUID(), SOURCE);
    this.published.alerts.inc();
    this.options.bus.publish('alerts', alert).catch(this.publishFailed.alerts);
  }

  private requestSnapshot(r: ResyncRequest): void {
    const runner = this.venues.get(r.venue)?.runner;
    if (!runner) {
      this.logThrottled(
        `resync:${r.venue}`,
        { venue: r.venue, symbol: r.symbol },
        'no feed delivers this venue; resync not requested',
      );
      return;
    }
    this.options.logger.info({ ...r, feed: runner.label }, 'book resync: snapshot requested');
    runner.adapter
      .requestSnapshot(r.symbol)
      .catch((err: unknown) =>
        this.logThrottled(`resync:${r.venue}`, { err, ...r }, 'snapshot request failed'),
      );
  }

  private publishFailure(topic: MarketTopic, err: unknown): void {
    this.metrics.publishFailures.inc({ topic });
    this.logThrottled(`publish:${topic}`, { err, topic }, `publishing to ${topic} failed`);
  }

  /** Logs a recurring failure once per LOG_EVERY_MS with how often it happened meanwhile. */
  private logThrottled(key: string, fields: object, message: string): void {
    const now = Date.now();
    if (now - (this.lastLogged.get(key) ?? 0) < LOG_EVERY_MS) return;
    this.lastLogged.set(key, now);
    this.options.logger.error(fields, message);
  }

  private gapsByVenue(): Map<string, number> {
    const out = new Map<string, number>();
    for (const b of this.handler.books.stats()) out.set(b.venue, (out.get(b.venue) ?? 0) + b.gaps);
    return out;
  }
}

function feedState(status: FeedStatus): marketDataV1.FeedState {
  switch (status.state) {
    case 'connected':
      return FeedState.FEED_STATE_CONNECTED;
    case 'disconnected':
      return FeedState.FEED_STATE_DISCONNECTED;
    case 'reconnecting':
      return FeedState.FEED_STATE_RECONNECTING;
  }
}
