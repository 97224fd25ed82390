import { Controller, Inject } from '@nestjs/common';
import { symbolV1 } from '@tapeline/contracts';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { InstrumentQueryError, type Instrument } from '@tapeline/instruments';
import { grpcError, invalidArgument, notFound } from '@tapeline/service-kit';
import { instrumentToProto, assetClassFromProto, statusFromProto } from './instrument-mapper';
import { InstrumentAdminError, InstrumentStore } from './instrument-store';

@Controller()
@symbolV1.SymbolServiceControllerMethods()
export class SymbolController implements symbolV1.SymbolServiceController {
  constructor(@Inject(InstrumentStore) private readonly store: InstrumentStore) {}

  /** The current snapshot: an administration change replaces it, a query reads one consistently. */
  private get master() {
    return this.store.master;
  }

  listInstruments(req: symbolV1.ListInstrumentsRequest): symbolV1.ListInstrumentsResponse {
    const page = this.query(() =>
      this.master.list(
        {
          assetClasses: req.assetClasses.map(assetClassFromProto),
          venue: req.venue,
          query: req.query,
          statuses: req.statuses.map((s) => statusFromProto(s)),
        },
        req.page?.pageSize ?? 0,
        req.page?.pageToken ?? '',
      ),
    );
    return {
      instruments: page.instruments.map(instrumentToProto),
      pageInfo: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
    };
  }

  getInstrument(req: symbolV1.GetInstrumentRequest): symbolV1.GetInstrumentResponse {
    const instrument = this.query(() => this.master.get(req.instrumentId));
    return { instrument: this.found(instrument, `instrument "${req.instrumentId}" not found`) };
  }

  resolveVenueSymbol(req: symbolV1.ResolveVenueSymbolRequest): symbolV1.ResolveVenueSymbolResponse {
    const instrument = this.query(() => this.master.resolveVenueSymbol(req.venue, req.symbol));
    return {
      instrument: this.found(instrument, `no instrument for symbol "${req.symbol}" on venue "${req.venue}"`),
    };
  }

  createInstrument(req: symbolV1.CreateInstrumentRequest): symbolV1.CreateInstrumentResponse {
    const instrument = this.admin(() => this.store.create(req.actor, req.instrument));
    return { instrument: instrumentToProto(instrument) };
  }

  updateInstrument(req: symbolV1.UpdateInstrumentRequest): symbolV1.UpdateInstrumentResponse {
    const instrument = this.admin(() => this.store.update(req.actor, req.instrument));
    return { instrument: instrumentToProto(instrument) };
  }

  setInstrumentStatus(req: symbolV1.SetInstrumentStatusRequest): symbolV1.SetInstrumentStatusResponse {
    const { instrument, previous } = this.admin(() =>
      this.store.setStatus(req.actor, req.instrumentId, statusFromProto(req.status, 'status'), req.reason),
    );
    return {
      instrument: instrumentToProto(instrument),
      previousStatus: symbolV1.InstrumentStatus[`INSTRUMENT_STATUS_${previous}`],
    };
  }

  private admin<T>(fn: () => T): T {
    try {
      return this.query(fn);
    } catch (err) {
      if (!(err instanceof InstrumentAdminError)) throw err;
      if (err.kind === 'not_found') throw notFound(err.message);
      if (err.kind === 'exists') throw grpcError(GrpcStatus.ALREADY_EXISTS, err.message);
      throw invalidArgument(err.message);
    }
  }

  /** Domain query errors are the caller's mistake: INVALID_ARGUMENT with the reason. */
  private query<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InstrumentQueryError || err instanceof RangeError)
        throw invalidArgument(err.message);
      throw err;
    }
  }

  private found(instrument: Instrument | undefined, message: string): symbolV1.Instrument {
    if (!instrument) throw notFound(message);
    return instrumentToProto(instrument);
  }
}
