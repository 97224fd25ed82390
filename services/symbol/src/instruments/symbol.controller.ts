import { Controller, Inject } from '@nestjs/common';
import { symbolV1 } from '@tapeline/contracts';
import { InstrumentMaster, InstrumentQueryError, type Instrument } from '@tapeline/instruments';
import { invalidArgument, notFound } from '@tapeline/service-kit';
import { instrumentToProto, assetClassFromProto, statusFromProto } from './instrument-mapper';

@Controller()
@symbolV1.SymbolServiceControllerMethods()
export class SymbolController implements symbolV1.SymbolServiceController {
  constructor(@Inject(InstrumentMaster) private readonly master: InstrumentMaster) {}

  listInstruments(req: symbolV1.ListInstrumentsRequest): symbolV1.ListInstrumentsResponse {
    const page = this.query(() =>
      this.master.list(
        {
          assetClasses: req.assetClasses.map(assetClassFromProto),
          venue: req.venue,
          query: req.query,
          statuses: req.statuses.map(statusFromProto),
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
