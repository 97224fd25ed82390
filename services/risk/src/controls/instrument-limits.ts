import { rescale, type FixedPoint } from '@tapeline/fixed-point';
import type {
  CheckContext,
  PreTradeCheck,
  Rejection,
  ResolvedLimits,
  RiskOrder,
} from '@tapeline/risk-checks';

export type InstrumentField = 'maxOrderQuantity' | 'maxPosition' | 'maxOrderValue';
const INSTRUMENT_FIELDS: readonly InstrumentField[] = ['maxOrderQuantity', 'maxPosition', 'maxOrderValue'];

/**
 * Firm-wide limits per instrument. Quantities are in instrument units (shares, contracts, coins)
 * and notionals in the instrument's currency (USD, JPY, pence), so one desk or global value cannot
 * suit 17 instruments at once; the engine's LimitBook has no per-instrument level of its own, so
 * this layer adds one. Precedence: account/instrument > account > instrument > desk > global.
 *
 * It runs as the first check: it never rejects, it swaps the context's resolved limits for a copy
 * with the instrument's values where no account-level value applies. The copy is cached per
 * resolved-limits object (the engine keeps one per account and instrument until limits change),
 * so the hot path allocates only on the first order after a change.
 */
export class InstrumentLimitLayer implements PreTradeCheck {
  readonly control = 'MAX_ORDER_QUANTITY';
  private readonly byInstrument = new Map<string, Partial<Record<InstrumentField, FixedPoint>>>();
  private merged = new WeakMap<ResolvedLimits, ResolvedLimits>();

  set(instrumentId: string, field: InstrumentField, value: FixedPoint | undefined): void {
    const own = { ...this.byInstrument.get(instrumentId) };
    if (value === undefined) delete own[field];
    else own[field] = value;
    if (Object.keys(own).length === 0) this.byInstrument.delete(instrumentId);
    else this.byInstrument.set(instrumentId, own);
    this.merged = new WeakMap();
  }

  check(_order: RiskOrder, ctx: CheckContext): Rejection | undefined {
    const own = this.byInstrument.get(ctx.instrument.instrumentId);
    if (own === undefined) return undefined;
    let merged = this.merged.get(ctx.limits);
    if (merged === undefined) {
      merged = mergeInstrumentLimits(ctx, own);
      this.merged.set(ctx.limits, merged);
    }
    ctx.limits = merged;
    return undefined;
  }
}

function mergeInstrumentLimits(
  ctx: CheckContext,
  own: Partial<Record<InstrumentField, FixedPoint>>,
): ResolvedLimits {
  const { limits, instrument } = ctx;
  const out: { -readonly [K in keyof ResolvedLimits]: ResolvedLimits[K] } = {
    ...limits,
    sources: { ...limits.sources },
  };
  const sources = out.sources as Record<string, string>;
  for (const field of INSTRUMENT_FIELDS) {
    const value = own[field];
    const source = limits.sources[field];
    const accountLevel = source !== undefined && source.startsWith('account:');
    if (value === undefined || accountLevel) continue;
    out[field] =
      field === 'maxOrderValue'
        ? rescale(value, ctx.moneyScale).mantissa
        : floorToScale(value, instrument.sizeScale);
    sources[field] = `instrument:${instrument.instrumentId}`;
  }
  return out;
}

/** Size-scale mantissa, rounded down: an integer quantity is within L exactly when within floor(L). */
function floorToScale(fp: FixedPoint, scale: number): bigint {
  if (fp.scale <= scale) return fp.mantissa * 10n ** BigInt(scale - fp.scale);
  return fp.mantissa / 10n ** BigInt(fp.scale - scale);
}
