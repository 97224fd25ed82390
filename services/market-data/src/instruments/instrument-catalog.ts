import { fromWireDecimal } from '@tapeline/fixed-point';
import { symbolV1 } from '@tapeline/contracts';
import {
  InstrumentMaster,
  type AssetClass,
  type Instrument,
  type InstrumentStatus,
} from '@tapeline/instruments';
import { InstrumentMasterResolver, type InstrumentResolver, type ResolvedInstrument } from '@tapeline/market';

/** The symbol service's instrument as the domain type (enum prefixes dropped, decimals fixed-point). */
export function instrumentFromProto(i: symbolV1.Instrument): Instrument {
  return {
    instrumentId: i.instrumentId,
    symbol: i.symbol,
    description: i.description,
    assetClass: (symbolV1.AssetClass[i.assetClass] ?? '').replace('ASSET_CLASS_', '') as AssetClass,
    venue: i.venue,
    currency: i.currency,
    baseCurrency: i.baseCurrency,
    priceScale: i.priceScale,
    sizeScale: i.sizeScale,
    tickSize: fromWireDecimal(i.tickSize),
    lotSize: fromWireDecimal(i.lotSize),
    minSize: fromWireDecimal(i.minSize),
    multiplier: fromWireDecimal(i.multiplier),
    venueSymbols: i.venueSymbols.map((v) => ({ venue: v.venue, symbol: v.symbol })),
    sessions: i.sessions.map((s) => ({ ...s, weekdays: [...s.weekdays] })),
    status: (symbolV1.InstrumentStatus[i.status] ?? '').replace('INSTRUMENT_STATUS_', '') as InstrumentStatus,
    expiryDate: i.expiryDate,
    underlying: i.underlying,
  };
}

/**
 * The in-memory copy of the symbol service's instrument master that the feed handler resolves
 * venue symbols against (synchronously, once per event). A refresh swaps in a new master whole,
 * so a lookup never sees a half-updated one.
 */
export class InstrumentCatalog implements InstrumentResolver {
  private master = new InstrumentMaster([]);
  private resolver = new InstrumentMasterResolver(this.master);
  private instruments: readonly Instrument[] = [];
  private loadedAt: number | undefined;

  get isLoaded(): boolean {
    return this.loadedAt !== undefined;
  }

  get size(): number {
    return this.master.size;
  }

  replace(instruments: readonly Instrument[]): void {
    this.instruments = [...instruments];
    this.master = new InstrumentMaster(instruments);
    this.resolver = new InstrumentMasterResolver(this.master);
    this.loadedAt = Date.now();
  }

  resolve(venue: string, venueSymbol: string): ResolvedInstrument | undefined {
    return this.resolver.resolve(venue, venueSymbol);
  }

  /** Throws InstrumentQueryError for a missing or malformed id; undefined for an unknown one. */
  get(instrumentId: string): Instrument | undefined {
    return this.master.get(instrumentId);
  }

  all(): readonly Instrument[] {
    return this.instruments;
  }
}
