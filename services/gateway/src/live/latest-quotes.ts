import type { eventsV1 } from '@tapeline/contracts';

/**
 * The newest quote of each instrument seen on the `quotes` topic, as published (conversion happens
 * when asked). The `quote` query answers from it while the feed is live, which spares a gRPC round
 * trip per query; before the first quote of an instrument, or while the feed is down, it asks
 * market-data. Bounded by the instruments of the master.
 */
export class LatestQuotes {
  private readonly quotes = new Map<string, eventsV1.QuoteEvent>();

  constructor(
    /** Whether the feed is consuming now: otherwise what is held may be stale. */
    private readonly live: () => boolean,
  ) {}

  set(quote: eventsV1.QuoteEvent): void {
    this.quotes.set(quote.instrumentId, quote);
  }

  /** The newest quote, or undefined when none was seen or the feed is not live. */
  get(instrumentId: string): eventsV1.QuoteEvent | undefined {
    return this.live() ? this.quotes.get(instrumentId) : undefined;
  }
}
