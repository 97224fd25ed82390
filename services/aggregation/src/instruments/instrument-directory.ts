import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Metadata, status } from '@grpc/grpc-js';
import { lastValueFrom, type Observable } from 'rxjs';
import { symbolV1 } from '@tapeline/contracts';
import { fromWireDecimal, rescale } from '@tapeline/fixed-point';
import type { ClientGrpc } from '@tapeline/service-kit';

export const SYMBOL_CLIENT = Symbol('symbol-grpc-client');

/** What the aggregates need of an instrument: its scales and tick size (a price mantissa). */
export interface InstrumentSpec {
  instrumentId: string;
  priceScale: number;
  sizeScale: number;
  tickSize: number;
}

/** The symbol service did not answer (as opposed to answering "no such instrument"). */
export class SymbolUnavailableError extends Error {
  override readonly name = 'SymbolUnavailableError';
  readonly code = 'SYMBOL_UNAVAILABLE';
}

// Nest's gRPC client passes call options through; the generated interface does not declare them.
type UnaryCall<Req, Res> = (req: Req, metadata: Metadata, options: { deadline: Date }) => Observable<Res>;

const CALL_DEADLINE_MS = 2000;
// An unknown id is asked again after this long: the master may have gained it meanwhile, and a
// flood of messages for it must not become a flood of calls.
const UNKNOWN_TTL_MS = 5000;

/** Instruments from the symbol service (GetInstrument), cached: scales and ticks do not change. */
@Injectable()
export class InstrumentDirectory implements OnModuleInit {
  private service!: symbolV1.SymbolServiceClient;
  private readonly known = new Map<string, InstrumentSpec>();
  private readonly unknown = new Map<string, number>();

  constructor(@Inject(SYMBOL_CLIENT) private readonly client: ClientGrpc) {}

  onModuleInit(): void {
    this.service = this.client.getService<symbolV1.SymbolServiceClient>(symbolV1.SYMBOL_SERVICE_NAME);
  }

  cached(instrumentId: string): InstrumentSpec | undefined {
    return this.known.get(instrumentId);
  }

  /** The instrument, or null when the symbol service does not know it; SymbolUnavailableError otherwise. */
  async resolve(instrumentId: string): Promise<InstrumentSpec | null> {
    const hit = this.known.get(instrumentId);
    if (hit) return hit;
    const refusedAt = this.unknown.get(instrumentId);
    if (refusedAt !== undefined && Date.now() - refusedAt < UNKNOWN_TTL_MS) return null;
    let res: symbolV1.GetInstrumentResponse;
    try {
      const getInstrument = this.service.getInstrument.bind(this.service) as unknown as UnaryCall<
        symbolV1.GetInstrumentRequest,
        symbolV1.GetInstrumentResponse
      >;
      const deadline = new Date(Date.now() + CALL_DEADLINE_MS);
      res = await lastValueFrom(getInstrument({ instrumentId }, new Metadata(), { deadline }));
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === status.NOT_FOUND || code === status.INVALID_ARGUMENT) {
        this.unknown.set(instrumentId, Date.now());
        return null;
      }
      throw new SymbolUnavailableError(
        `symbol service could not resolve ${instrumentId}: ${(err as Error).message ?? String(err)}`,
      );
    }
    const i = res.instrument;
    if (!i) return null;
    const spec: InstrumentSpec = {
      instrumentId: i.instrumentId,
      priceScale: i.priceScale,
      sizeScale: i.sizeScale,
      // The tick at the price scale; the aggregates refuse a tick that is not a safe positive integer.
      tickSize: Number(rescale(fromWireDecimal(i.tickSize), i.priceScale).mantissa),
    };
    this.known.set(instrumentId, spec);
    this.unknown.delete(instrumentId);
    return spec;
  }
}
