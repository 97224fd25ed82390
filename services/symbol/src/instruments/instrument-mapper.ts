import { symbolV1 } from '@tapeline/contracts';
import { toWireDecimal } from '@tapeline/fixed-point';
import {
  InstrumentQueryError,
  type AssetClass,
  type Instrument,
  type InstrumentStatus,
} from '@tapeline/instruments';

export function instrumentToProto(i: Instrument): symbolV1.Instrument {
  return {
    instrumentId: i.instrumentId,
    symbol: i.symbol,
    description: i.description,
    assetClass: symbolV1.AssetClass[`ASSET_CLASS_${i.assetClass}`],
    venue: i.venue,
    currency: i.currency,
    baseCurrency: i.baseCurrency,
    priceScale: i.priceScale,
    sizeScale: i.sizeScale,
    tickSize: toWireDecimal(i.tickSize),
    lotSize: toWireDecimal(i.lotSize),
    minSize: toWireDecimal(i.minSize),
    multiplier: toWireDecimal(i.multiplier),
    venueSymbols: i.venueSymbols.map((v) => ({ venue: v.venue, symbol: v.symbol })),
    sessions: i.sessions.map((s) => ({ ...s, weekdays: [...s.weekdays] })),
    status: symbolV1.InstrumentStatus[`INSTRUMENT_STATUS_${i.status}`],
    expiryDate: i.expiryDate,
    underlying: i.underlying,
  };
}

export function assetClassFromProto(value: symbolV1.AssetClass): AssetClass {
  const name = symbolV1.AssetClass[value];
  if (!name || value === symbolV1.AssetClass.ASSET_CLASS_UNSPECIFIED) {
    throw new InstrumentQueryError(`asset_classes contains an invalid value ${value}`);
  }
  return name.replace('ASSET_CLASS_', '') as AssetClass;
}

export function statusFromProto(value: symbolV1.InstrumentStatus, field = 'statuses'): InstrumentStatus {
  const name = symbolV1.InstrumentStatus[value];
  if (!name || value === symbolV1.InstrumentStatus.INSTRUMENT_STATUS_UNSPECIFIED) {
    throw new InstrumentQueryError(
      field === 'statuses'
        ? `statuses contains an invalid value ${value}`
        : `${field}: invalid value ${value}`,
    );
  }
  return name.replace('INSTRUMENT_STATUS_', '') as InstrumentStatus;
}
