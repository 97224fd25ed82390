import { Metadata } from '@grpc/grpc-js';
import { lastValueFrom, type Observable } from 'rxjs';
import { symbolV1 } from '@tapeline/contracts';
import type { ClientGrpc } from './grpc-client';

type ListCall = (
  req: symbolV1.ListInstrumentsRequest,
  metadata: Metadata,
  options: { deadline: Date },
) => Observable<symbolV1.ListInstrumentsResponse>;

/** The symbol service's whole instrument master, page by page (each page under its own deadline). */
export async function listAllInstruments(
  symbol: ClientGrpc,
  options: { pageSize?: number; deadlineMs?: number } = {},
): Promise<symbolV1.Instrument[]> {
  const service = symbol.getService<symbolV1.SymbolServiceClient>(symbolV1.SYMBOL_SERVICE_NAME);
  // Nest's gRPC client hands every argument through to grpc-js: the third is the call options.
  const list = service.listInstruments.bind(service) as unknown as ListCall;
  const out: symbolV1.Instrument[] = [];
  let pageToken = '';
  do {
    const res = await lastValueFrom(
      list(
        {
          page: { pageSize: options.pageSize ?? 500, pageToken },
          assetClasses: [],
          venue: '',
          query: '',
          statuses: [],
        },
        new Metadata(),
        { deadline: new Date(Date.now() + (options.deadlineMs ?? 5000)) },
      ),
    );
    out.push(...res.instruments);
    pageToken = res.pageInfo?.nextPageToken ?? '';
  } while (pageToken);
  return out;
}
