// Seeds the simulated venues' books from the simulated market, so that an order meets the market's
// liquidity and not only the oms's other orders. The market (`depth`, else `quotes`) is followed
// continuously; every `intervalMs` each instrument that changed gets its book refreshed on each
// simulated venue its orders may be routed to (and the instrument has a symbol on): the previous
// seed leaves, the newest levels rest as orders of nobody (SimulatedMatchingVenue.refreshBook).
// Each refresh is a journaled venue command (see routing/venue-commands.ts), so at most one
// entry per instrument and venue per interval, and none while the levels stay the same. A market
// silent for `maxAgeMs` has its liquidity withdrawn rather than left at stale prices.
import type { ConsumedEvent } from '@tapeline/bus';
import type { BookSnapshot } from '@tapeline/venues';
import type { Logger } from '@tapeline/telemetry';
import type { InstrumentSpec } from '../instruments/instrument-catalog';
import type { VenueRegistry } from '../routing/venue-registry';
import type { VenueRoutingConfig } from '../routing/venue-config';
import { venuesOf } from '../routing/venue-router';
import { MarketBooks, type MarketLevel } from './market-books';

export interface MarketSeederOptions {
  readonly intervalMs: number;
  /** Levels a side per refresh. */
  readonly levels: number;
  readonly maxAgeMs: number;
  /** Local clock (ms), for rates and staleness. */
  readonly nowMs?: () => number;
}

type InstrumentTerms = Pick<InstrumentSpec, 'priceScale' | 'sizeScale' | 'venueSymbols'>;

export class MarketSeeder {
  readonly market = new MarketBooks();
  private readonly nowMs: () => number;
  /** What each venue's book of an instrument was last seeded with (key `venue|instrument`). */
  private readonly seeded = new Map<string, string>();
  private readonly terms = new Map<string, InstrumentTerms | null>();
  private readonly pending = new Set<string>();
  private readonly asking = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly venues: Pick<VenueRegistry, 'simulated'>,
    private readonly routing: VenueRoutingConfig,
    private readonly instruments: { get(instrumentId: string): Promise<InstrumentTerms> },
    private readonly options: MarketSeederOptions,
    private readonly logger: Logger,
  ) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  onMarket(event: ConsumedEvent<'depth' | 'quotes'>): void {
    if (event.topic === 'depth') this.market.onDepth(event.value, this.nowMs());
    else this.market.onQuote(event.value, this.nowMs());
  }

  start(): void {
    this.timer = setInterval(() => this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round: the instruments that changed (or went stale) are seeded anew. */
  refresh(): void {
    const due = this.market.takeChanged();
    const now = this.nowMs();
    for (const id of this.pending) due.add(id);
    this.pending.clear();
    for (const [id, updatedAtMs] of this.market.updates()) {
      if (now - updatedAtMs > this.options.maxAgeMs) due.add(id);
    }
    const simulated = this.venues.simulated();
    for (const instrumentId of due) {
      const terms = this.termsOf(instrumentId);
      if (terms === undefined) {
        this.pending.add(instrumentId); // looked up; seeded once the symbol service answered
        continue;
      }
      if (terms === null) continue;
      const view = this.market.view(instrumentId, Infinity)!;
      const levels = this.options.levels;
      const stale = now - view.updatedAtMs > this.options.maxAgeMs;
      const snapshot: BookSnapshot = stale
        ? { bids: [], asks: [] }
        : {
            bids: atScale(view.bids, view, terms, levels),
            asks: atScale(view.asks, view, terms, levels),
          };
      const bid = snapshot.bids[0]?.price;
      const ask = snapshot.asks[0]?.price;
      if (bid !== undefined && ask !== undefined && bid >= ask) continue; // crossed or locked: wait
      const key = JSON.stringify(snapshot);
      for (const venue of venuesOf(this.routing, instrumentId)) {
        const sim = simulated.get(venue);
        if (!sim || !terms.venueSymbols.has(venue)) continue;
        const seen = `${venue}|${instrumentId}`;
        if (this.seeded.get(seen) === key || (this.seeded.get(seen) === undefined && stale)) continue;
        sim.refreshBook(instrumentId, snapshot).then(
          () => this.seeded.set(seen, key),
          (err: unknown) => this.logger.warn({ err, venue, instrumentId }, 'book not seeded from the market'),
        );
      }
    }
  }

  /** The instrument's scales and venues; undefined while asked, null when the symbol service does not know it. */
  private termsOf(instrumentId: string): InstrumentTerms | null | undefined {
    const known = this.terms.get(instrumentId);
    if (known !== undefined || this.terms.has(instrumentId)) return known;
    if (!this.asking.has(instrumentId)) {
      this.asking.add(instrumentId);
      this.instruments
        .get(instrumentId)
        .then(
          (spec) => this.terms.set(instrumentId, spec),
          (err: unknown) => {
            // Unknown to the symbol service (or not tradable): never seeded. Unavailable: asked again.
            if ((err as { code?: string }).code !== 'UNAVAILABLE') this.terms.set(instrumentId, null);
            this.logger.warn({ err, instrumentId }, 'instrument of the market not seeded');
          },
        )
        .finally(() => this.asking.delete(instrumentId));
    }
    return undefined;
  }
}

/**
 * Up to `max` levels at the instrument's scales: a price finer than the instrument's tick scale is left out,
 * a size is rounded down to the instrument's size scale (nothing left: left out).
 */
function atScale(
  levels: readonly MarketLevel[],
  market: { priceScale: number; sizeScale: number },
  terms: InstrumentTerms,
  max: number,
): { price: number; qty: number }[] {
  const out: { price: number; qty: number }[] = [];
  for (const l of levels) {
    if (out.length === max) break;
    const price = rescale(l.price, market.priceScale, terms.priceScale, false);
    const qty = rescale(l.size, market.sizeScale, terms.sizeScale, true);
    if (price === undefined || qty === undefined || qty <= 0n) continue;
    const p = Number(price);
    const q = Number(qty);
    if (Number.isSafeInteger(p) && Number.isSafeInteger(q)) out.push({ price: p, qty: q });
  }
  return out;
}

function rescale(m: bigint, from: number, to: number, roundDown: boolean): bigint | undefined {
  if (to >= from) return m * 10n ** BigInt(to - from);
  const f = 10n ** BigInt(from - to);
  if (m % f !== 0n && !roundDown) return undefined;
  return m / f;
}
