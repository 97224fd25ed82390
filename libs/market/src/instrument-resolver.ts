import { rescale } from '@tapeline/fixed-point';
import type { Instrument, InstrumentMaster } from '@tapeline/instruments';
import { MarketError } from './errors';

/** What the normaliser needs to know of an instrument; mantissas are `number`s checked to be safe. */
export interface ResolvedInstrument {
  readonly instrumentId: string;
  readonly priceScale: number;
  readonly sizeScale: number;
  /** Tick size as a mantissa at `priceScale` (0.25 at scale 2 -> 25). */
  readonly tickMantissa: number;
  /** Lot size as a mantissa at `sizeScale`. */
  readonly lotMantissa: number;
}

/**
 * Port: (venue, venue symbol) -> instrument. Synchronous because it runs once per market event; the
 * market-data service backs it with an in-memory copy of the symbol service's instrument master.
 */
export interface InstrumentResolver {
  resolve(venue: string, venueSymbol: string): ResolvedInstrument | undefined;
}

export function toResolvedInstrument(instrument: Instrument): ResolvedInstrument {
  const tick = rescale(instrument.tickSize, instrument.priceScale).mantissa;
  const lot = rescale(instrument.lotSize, instrument.sizeScale).mantissa;
  const tickMantissa = Number(tick);
  const lotMantissa = Number(lot);
  if (
    !Number.isSafeInteger(tickMantissa) ||
    tickMantissa <= 0 ||
    !Number.isSafeInteger(lotMantissa) ||
    lotMantissa <= 0
  ) {
    throw new MarketError(
      'INVALID_INSTRUMENT',
      `${instrument.instrumentId}: tick ${tick} and lot ${lot} must be positive safe-integer mantissas`,
    );
  }
  return {
    instrumentId: instrument.instrumentId,
    priceScale: instrument.priceScale,
    sizeScale: instrument.sizeScale,
    tickMantissa,
    lotMantissa,
  };
}

/** Resolver over an InstrumentMaster (tests, bench, CLI, and the service's cached copy). */
export class InstrumentMasterResolver implements InstrumentResolver {
  // venue -> venue symbol -> resolved: two lookups and no key string built per event.
  private readonly cache = new Map<string, Map<string, ResolvedInstrument>>();

  constructor(private readonly master: InstrumentMaster) {}

  resolve(venue: string, venueSymbol: string): ResolvedInstrument | undefined {
    let byVenue = this.cache.get(venue);
    const hit = byVenue?.get(venueSymbol);
    if (hit) return hit;
    if (!venue || !venueSymbol) return undefined;
    const instrument = this.master.resolveVenueSymbol(venue, venueSymbol);
    // Unknown symbols are not cached: the master may learn them later.
    if (!instrument) return undefined;
    const resolved = toResolvedInstrument(instrument);
    if (!byVenue) this.cache.set(venue, (byVenue = new Map()));
    byVenue.set(venueSymbol, resolved);
    return resolved;
  }
}
