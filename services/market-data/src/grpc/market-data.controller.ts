import { Controller, Inject } from '@nestjs/common';
import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { marketDataV1 } from '@tapeline/contracts';
import { InstrumentQueryError } from '@tapeline/instruments';
import { grpcError, invalidArgument, notFound, unavailable } from '@tapeline/service-kit';
import { nowMicros } from '@tapeline/telemetry';
import {
  decodePageToken,
  encodePageToken,
  PageTokenError,
  type HistoryQueryKey,
} from '../history/page-token';
import type { TickPage, TickQuery } from '../history/tick-history';
import { MARKET_DATA, type MarketDataParts } from '../market-data.parts';
import { StreamFellBehindError } from '../stream/market-stream-hub';
import { bookToProto, parseDepth, parseKinds, parsePageSize, parseTimeRange } from './request-mapper';

type HistoryRequest = {
  instrumentId: string;
  range?: marketDataV1.TimeRange;
  page?: { pageSize: number; pageToken: string };
};

@Controller()
@marketDataV1.MarketDataServiceControllerMethods()
export class MarketDataController implements marketDataV1.MarketDataServiceController {
  constructor(@Inject(MARKET_DATA) private readonly md: MarketDataParts) {}

  getQuote(req: marketDataV1.GetQuoteRequest): marketDataV1.GetQuoteResponse {
    this.knownInstrument(req.instrumentId);
    const quote = this.md.pipeline.latestQuote(req.instrumentId);
    if (!quote) throw unavailable(`no quote for ${req.instrumentId} yet`);
    return { quote };
  }

  getBook(req: marketDataV1.GetBookRequest): marketDataV1.GetBookResponse {
    this.knownInstrument(req.instrumentId);
    const depth = this.argument(() => parseDepth(req.depth, this.md.config.depthLevels, 'depth'));
    const book = this.md.pipeline.book(req.instrumentId, depth);
    if (!book) throw unavailable(`no book for ${req.instrumentId} yet`);
    return bookToProto(book);
  }

  listTrades(req: marketDataV1.ListTradesRequest): Promise<marketDataV1.ListTradesResponse> {
    return this.history('trades', req, (q) => this.md.history.listTrades(q)).then(([trades, pageInfo]) => ({
      trades,
      pageInfo,
    }));
  }

  listQuotes(req: marketDataV1.ListQuotesRequest): Promise<marketDataV1.ListQuotesResponse> {
    return this.history('quotes', req, (q) => this.md.history.listQuotes(q)).then(([quotes, pageInfo]) => ({
      quotes,
      pageInfo,
    }));
  }

  streamMarketData(
    req: marketDataV1.StreamMarketDataRequest,
    _metadata?: Metadata,
    call?: ServerWritableStream<unknown, unknown>,
  ): Observable<marketDataV1.StreamMarketDataResponse> {
    if (req.instrumentIds.length === 0)
      throw invalidArgument('instrument_ids must name at least one instrument');
    for (const id of req.instrumentIds) this.knownInstrument(id);
    const kinds = this.argument(() => parseKinds(req.kinds));
    const depth = this.argument(() => parseDepth(req.depth, this.md.config.depthLevels, 'depth'));
    const hub = this.md.pipeline.hub;
    return new Observable((subscriber) => {
      const stream = hub.open({ instrumentIds: req.instrumentIds, kinds, depth });
      void (async () => {
        try {
          for (;;) {
            const message = await stream.next();
            if (message === undefined) break;
            // Hand grpc-js one message at a time: while the client's window is full the mailbox
            // conflates, instead of Nest queueing without bound.
            if (call?.writableNeedDrain) {
              await Promise.race([new Promise((resolve) => call.once('drain', resolve)), stream.closed]);
            }
            subscriber.next(message);
          }
          subscriber.complete();
        } catch (err) {
          subscriber.error(
            err instanceof StreamFellBehindError ? grpcError(status.RESOURCE_EXHAUSTED, err.message) : err,
          );
        } finally {
          stream.close();
        }
      })();
      return () => stream.close();
    });
  }

  getFeedStatus(): marketDataV1.GetFeedStatusResponse {
    const h = this.md.history.stats();
    return {
      ...this.md.pipeline.feedStatus(),
      historyRowsBuffered: String(h.rowsBuffered),
      historyRowsWritten: String(h.rowsInserted),
      historyInsertRetries: String(h.retries),
      historyRowsDropped: String(h.rowsDropped + h.rowsRefused),
    };
  }

  private async history<T>(
    kind: HistoryQueryKey['kind'],
    req: HistoryRequest,
    run: (q: TickQuery) => Promise<TickPage<T>>,
  ): Promise<[T[], { nextPageToken: string; totalSize: number }]> {
    this.knownInstrument(req.instrumentId);
    const range = this.argument(() => parseTimeRange(req.range, BigInt(nowMicros())));
    const limit = this.argument(() => parsePageSize(req.page?.pageSize ?? 0));
    const token = req.page?.pageToken ?? '';
    const base = { kind, instrumentId: req.instrumentId, fromMicros: range.fromMicros };
    const resumed = token
      ? this.argument(() => decodePageToken(token, { ...base, toMicros: range.toMicros }))
      : undefined;
    const key: HistoryQueryKey = {
      ...base,
      toMicros: resumed?.toMicros ?? range.toMicros ?? range.nowMicros,
    };
    if (key.fromMicros >= key.toMicros) throw invalidArgument('range.from must be before range.to');
    const page = await run({
      instrumentId: key.instrumentId,
      fromMicros: key.fromMicros,
      toMicros: key.toMicros,
      limit,
      ...(resumed ? { after: resumed.cursor } : {}),
    });
    return [
      page.rows,
      { nextPageToken: page.next ? encodePageToken(key, page.next) : '', totalSize: page.total },
    ];
  }

  /** NOT_FOUND for an instrument the master does not list; INVALID_ARGUMENT for a malformed id. */
  private knownInstrument(instrumentId: string): void {
    const catalog = this.md.catalog;
    if (!catalog.isLoaded) throw unavailable('the instrument master is not loaded yet');
    const instrument = this.argument(() => catalog.get(instrumentId));
    if (!instrument) throw notFound(`instrument "${instrumentId}" not found`);
  }

  /** Request errors (a bad field, a foreign page token) reach the caller as INVALID_ARGUMENT. */
  private argument<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InstrumentQueryError || err instanceof PageTokenError || err instanceof RangeError) {
        throw invalidArgument(err.message);
      }
      throw err;
    }
  }
}
