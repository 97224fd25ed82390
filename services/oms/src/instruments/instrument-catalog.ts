// Instruments as the oms trades them, from the symbol service (cached: the master changes rarely,
// and an order's terms are journaled with it, so a later change never rewrites history).
import { Metadata, status } from '@grpc/grpc-js';
import { lastValueFrom } from 'rxjs';
import { symbolV1 } from '@tapeline/contracts';
import { fromWireDecimal, type FixedPoint } from '@tapeline/fixed-point';
import { OmsError } from '../errors';

export interface InstrumentSpec {
  readonly instrumentId: string;
  readonly priceScale: number;
  readonly sizeScale: number;
  readonly tickSize: FixedPoint;
  readonly lotSize: FixedPoint;
  readonly minSize: FixedPoint;
  /** Contract multiplier as an integer (fractional multipliers are refused at lookup). */
  readonly multiplier: bigint;
  readonly currency: string;
  readonly active: boolean;
  /** Venue code -> the venue's own symbol. */
  readonly venueSymbols: ReadonlyMap<string, string>;
}

export type SymbolClient = Pick<symbolV1.SymbolServiceClient, 'getInstrument'>;

export class InstrumentCatalog {
  private readonly cache = new Map<string, Promise<InstrumentSpec>>();

  constructor(
    private readonly client: SymbolClient,
    private readonly timeoutMs = 2000,
  ) {}

  get(instrumentId: string): Promise<InstrumentSpec> {
    let found = this.cache.get(instrumentId);
    if (!found) {
      found = this.fetch(instrumentId);
      this.cache.set(instrumentId, found);
      // A failed lookup is not remembered: the next order asks again.
      found.catch(() => this.cache.delete(instrumentId));
    }
    return found;
  }

  private async fetch(instrumentId: string): Promise<InstrumentSpec> {
    const call = this.client.getInstrument.bind(this.client) as unknown as (
      req: symbolV1.GetInstrumentRequest,
      m: Metadata,
      o: { deadline: number },
    ) => ReturnType<SymbolClient['getInstrument']>;
    let res: symbolV1.GetInstrumentResponse;
    try {
      res = await lastValueFrom(
        call({ instrumentId }, new Metadata(), { deadline: Date.now() + this.timeoutMs }),
      );
    } catch (err) {
      const e = err as { code?: number; details?: string; message?: string };
      if (e.code === status.NOT_FOUND || e.code === status.INVALID_ARGUMENT) {
        throw new OmsError('INVALID_ARGUMENT', `unknown instrument "${instrumentId}"`);
      }
      throw new OmsError('UNAVAILABLE', `symbol service did not answer: ${e.details || e.message}`);
    }
    const i = res.instrument;
    if (!i) throw new OmsError('INVALID_ARGUMENT', `unknown instrument "${instrumentId}"`);
    const multiplier = fromWireDecimal(i.multiplier);
    const factor = 10n ** BigInt(multiplier.scale);
    if (multiplier.mantissa % factor !== 0n) {
      throw new OmsError(
        'FAILED_PRECONDITION',
        `${instrumentId}: a fractional contract multiplier is not supported`,
      );
    }
    return {
      instrumentId: i.instrumentId,
      priceScale: i.priceScale,
      sizeScale: i.sizeScale,
      tickSize: fromWireDecimal(i.tickSize),
      lotSize: fromWireDecimal(i.lotSize),
      minSize: fromWireDecimal(i.minSize),
      multiplier: multiplier.mantissa === 0n ? 1n : multiplier.mantissa / factor,
      currency: i.currency,
      active: i.status === symbolV1.InstrumentStatus.INSTRUMENT_STATUS_ACTIVE,
      venueSymbols: new Map(i.venueSymbols.map((v) => [v.venue, v.symbol])),
    };
  }
}
