import { eventsV1 } from '@tapeline/contracts';
import { alertCandidate, type AlertCandidate } from './alerts';
import { OutlierPriceDetector, type OutlierOptions } from './anomaly/outlier-price-detector';
import { StaleFeedDetector, type StaleFeedOptions } from './anomaly/stale-feed-detector';
import {
  BookBuilder,
  type BookBuilderOptions,
  type BookOutput,
  type ResyncRequest,
} from './book/book-builder';
import { systemClock, type MicrosClock } from './clock';
import type { FeedSink, FeedStatus, MalformedFrame, RawMarketEvent } from './feed';
import type { InstrumentResolver } from './instrument-resolver';
import { Normaliser } from './normaliser';

/** Everything the feed handler produces; the service maps each to a topic or an adapter call. */
export interface MarketOutput extends BookOutput {
  trade(event: eventsV1.TradeEvent): void;
}

export interface FeedHandlerOptions {
  readonly resolver: InstrumentResolver;
  readonly output: MarketOutput;
  readonly clock?: MicrosClock;
  readonly book?: Omit<BookBuilderOptions, 'clock'>;
  /** Stale-feed detection (checked by `check`); off when omitted. */
  readonly staleFeed?: StaleFeedOptions;
  /** Outlier detection on trade prices and quote mids; off when omitted. */
  readonly outliers?: Omit<OutlierOptions, 'source'>;
}

/**
 * The feed-handler pipeline behind one or more FeedAdapters: it is their FeedSink, and runs
 * adapter -> Normaliser -> BookBuilder -> MarketOutput, with the anomaly detectors watching the
 * stream. Synchronous end to end: every output for an event is emitted before onEvent returns.
 */
export class FeedHandler implements FeedSink {
  readonly normaliser: Normaliser;
  readonly books: BookBuilder;
  readonly staleFeed: StaleFeedDetector | undefined;
  readonly tradeOutliers: OutlierPriceDetector | undefined;
  readonly quoteOutliers: OutlierPriceDetector | undefined;
  private readonly output: MarketOutput;
  private readonly clock: MicrosClock;

  constructor(options: FeedHandlerOptions) {
    this.output = options.output;
    this.clock = options.clock ?? systemClock;
    const alert = (candidate: AlertCandidate) => this.output.alert(candidate);
    this.normaliser = new Normaliser(options.resolver, { clock: this.clock, onAlert: alert });
    this.staleFeed = options.staleFeed ? new StaleFeedDetector(options.staleFeed) : undefined;
    this.tradeOutliers = options.outliers
      ? new OutlierPriceDetector({ ...options.outliers, source: 'trade' })
      : undefined;
    this.quoteOutliers = options.outliers
      ? new OutlierPriceDetector({ ...options.outliers, source: 'quote' })
      : undefined;
    const bookOutput: BookOutput = {
      depth: (event) => this.output.depth(event),
      quote: (event) => this.publishQuote(event),
      alert,
      resync: (request: ResyncRequest) => this.output.resync(request),
    };
    this.books = new BookBuilder(bookOutput, { ...options.book, clock: this.clock });
  }

  onEvent(event: RawMarketEvent): void {
    switch (event.type) {
      case 'depth': {
        const update = this.normaliser.depth(event);
        if (!update) return;
        this.staleFeed?.observe(event.venue, update.instrument.instrumentId, event.receiveTimeMicros);
        this.books.apply(update);
        return;
      }
      case 'trade': {
        const trade = this.normaliser.trade(event);
        if (!trade) return;
        this.staleFeed?.observe(event.venue, trade.instrumentId, event.receiveTimeMicros);
        if (this.tradeOutliers) {
          const instrument = this.normaliser.lastInstrument!;
          const alert = this.tradeOutliers.observe(
            event.venue,
            instrument,
            Number(trade.price),
            this.clock(),
          );
          if (alert) this.output.alert(alert);
        }
        this.output.trade(trade);
        return;
      }
      case 'quote': {
        const quote = this.normaliser.quote(event);
        if (!quote) return;
        this.staleFeed?.observe(event.venue, quote.instrumentId, event.receiveTimeMicros);
        this.publishQuote(quote);
        return;
      }
      default:
        this.onMalformed({
          venue: (event as { venue?: string }).venue ?? '',
          reason: `unknown event type ${JSON.stringify((event as { type?: unknown }).type)}`,
          frame: '',
          receiveTimeMicros: this.clock(),
        });
    }
  }

  onMalformed(frame: MalformedFrame): void {
    this.normaliser.malformedFrame(frame);
  }

  /** A lost connection makes the venue's books untrustworthy; a new one asks for fresh snapshots. */
  onStatus(status: FeedStatus): void {
    if (status.state === 'disconnected') {
      this.books.invalidateVenue(status.venue);
      this.output.alert(
        alertCandidate(
          eventsV1.AlertKind.ALERT_KIND_STALE_FEED,
          eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL,
          '',
          status.venue,
          `${status.venue} feed disconnected: ${status.reason}`,
          { reason: status.reason },
          this.clock(),
        ),
      );
    } else if (status.state === 'connected') {
      this.books.resyncVenue(status.venue);
    }
  }

  /** Called by the service's timer: stale-feed alerts and resync retries. */
  check(nowMicros: bigint = this.clock()): void {
    if (this.staleFeed) for (const alert of this.staleFeed.check(nowMicros)) this.output.alert(alert);
    this.books.check(nowMicros);
  }

  private publishQuote(quote: eventsV1.QuoteEvent): void {
    if (this.quoteOutliers && quote.bidSize !== '0' && quote.askSize !== '0') {
      const mid = (Number(quote.bidPrice) + Number(quote.askPrice)) / 2;
      const instrument = this.normaliser.lastInstrument!;
      const alert = this.quoteOutliers.observe(quote.venue, instrument, mid, this.clock());
      if (alert) this.output.alert(alert);
    }
    this.output.quote(quote);
  }
}
