import type { FixedPoint } from '@tapeline/fixed-point';

export const ASSET_CLASSES = ['EQUITY', 'FUTURE', 'FX_SPOT', 'CRYPTO_SPOT', 'CRYPTO_PERPETUAL'] as const;
export type AssetClass = (typeof ASSET_CLASSES)[number];

export const INSTRUMENT_STATUSES = ['ACTIVE', 'HALTED', 'SUSPENDED', 'EXPIRED'] as const;
export type InstrumentStatus = (typeof INSTRUMENT_STATUSES)[number];

export interface TradingSession {
  readonly name: string;
  readonly timeZone: string;
  /** Local "HH:MM". */
  readonly openTime: string;
  readonly closeTime: string;
  /** ISO weekdays 1..7. */
  readonly weekdays: readonly number[];
}

export interface VenueSymbol {
  readonly venue: string;
  readonly symbol: string;
}

/** One tradable instrument. Every price of it is an integer mantissa at `priceScale`. */
export interface Instrument {
  readonly instrumentId: string;
  readonly symbol: string;
  readonly description: string;
  readonly assetClass: AssetClass;
  readonly venue: string;
  readonly currency: string;
  readonly baseCurrency: string;
  readonly priceScale: number;
  readonly sizeScale: number;
  readonly tickSize: FixedPoint;
  readonly lotSize: FixedPoint;
  readonly minSize: FixedPoint;
  readonly multiplier: FixedPoint;
  readonly venueSymbols: readonly VenueSymbol[];
  readonly sessions: readonly TradingSession[];
  readonly status: InstrumentStatus;
  readonly expiryDate: string;
  readonly underlying: string;
}

/** "<SYMBOL>.<VENUE>": symbol of letters, digits and -/_ , venue of capitals and digits. */
export const INSTRUMENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_/-]{0,39}\.[A-Z0-9]{2,12}$/;
