import type { FixedPoint } from '@tapeline/fixed-point';
import type { AssetClass } from '@tapeline/instruments';
import { RiskInputError } from './errors';

/** What risk needs of an instrument (a subset of @tapeline/instruments' Instrument). */
export interface RiskInstrument {
  readonly instrumentId: string;
  readonly assetClass: AssetClass;
  readonly priceScale: number;
  readonly sizeScale: number;
  /** Contract multiplier (1 for cash instruments). */
  readonly multiplier: FixedPoint;
}

/**
 * An instrument prepared for money arithmetic: qty x price x multiplier has scale
 * sizeScale + priceScale + multiplier.scale; `toMoney` brings it to the engine's money scale.
 * The reference price lives here so the hot path finds it with the instrument in one lookup.
 */
export interface PreparedInstrument extends RiskInstrument {
  readonly multiplierMantissa: bigint;
  /** 10^(moneyScale - rawScale) when the raw notional is coarser, else 1n. */
  readonly upFactor: bigint;
  /** 10^(rawScale - moneyScale) when the raw notional is finer, else 1n. */
  readonly downFactor: bigint;
  /** Reference price (last trade or mid) at price scale; undefined until one is known. */
  referencePrice: bigint | undefined;
}

export type MoneyRounding = 'up' | 'nearest';

/** Instruments known to risk, and the one conversion from quantity x price to money. */
export class InstrumentTable {
  private readonly byId = new Map<string, PreparedInstrument>();

  constructor(readonly moneyScale: number) {
    if (!Number.isInteger(moneyScale) || moneyScale < 0 || moneyScale > 18) {
      throw new RiskInputError('BAD_LIMIT', `money scale must be an integer 0..18, got ${moneyScale}`);
    }
  }

  add(instrument: RiskInstrument): PreparedInstrument {
    const { instrumentId, priceScale, sizeScale, multiplier } = instrument;
    for (const [name, scale] of [
      ['priceScale', priceScale],
      ['sizeScale', sizeScale],
    ] as const) {
      if (!Number.isInteger(scale) || scale < 0 || scale > 18) {
        throw new RiskInputError('BAD_INSTRUMENT', `${instrumentId}: ${name} ${scale} is not 0..18`);
      }
    }
    if (multiplier.mantissa <= 0n) {
      throw new RiskInputError('BAD_INSTRUMENT', `${instrumentId}: multiplier must be positive`);
    }
    const rawScale = sizeScale + priceScale + multiplier.scale;
    const previous = this.byId.get(instrumentId);
    const prepared: PreparedInstrument = {
      ...instrument,
      multiplierMantissa: multiplier.mantissa,
      upFactor: 10n ** BigInt(Math.max(0, this.moneyScale - rawScale)),
      downFactor: 10n ** BigInt(Math.max(0, rawScale - this.moneyScale)),
      referencePrice: previous?.referencePrice,
    };
    this.byId.set(instrumentId, prepared);
    return prepared;
  }

  find(instrumentId: string): PreparedInstrument | undefined {
    return this.byId.get(instrumentId);
  }

  get(instrumentId: string): PreparedInstrument {
    const found = this.byId.get(instrumentId);
    if (!found) throw new RiskInputError('UNKNOWN_INSTRUMENT', `unknown instrument ${instrumentId}`);
    return found;
  }

  /**
   * qty x price x multiplier at the money scale, signed like qty x price. 'up' rounds away from
   * zero (limit checks: a notional just above a limit never rounds under it); 'nearest' rounds
   * half away from zero (valuation).
   */
  toMoney(instrument: PreparedInstrument, quantity: bigint, price: bigint, rounding: MoneyRounding): bigint {
    let raw = quantity * price;
    if (instrument.multiplierMantissa !== 1n) raw *= instrument.multiplierMantissa;
    if (instrument.upFactor !== 1n) raw *= instrument.upFactor;
    const d = instrument.downFactor;
    if (d === 1n) return raw;
    const magnitude = raw < 0n ? -raw : raw;
    const rounded = rounding === 'up' ? (magnitude + d - 1n) / d : (magnitude + d / 2n) / d;
    return raw < 0n ? -rounded : rounded;
  }
}
