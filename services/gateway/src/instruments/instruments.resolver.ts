import { Inject } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { symbolV1 } from '@tapeline/contracts';
import { formatFixed, fromWireDecimal } from '@tapeline/fixed-point';
import { RequirePermission } from '../auth/require-permission';
import { apiError, badInput } from '../graphql/errors';
import {
  AssetClass,
  Instrument,
  InstrumentConnection,
  InstrumentFilter,
  InstrumentStatus,
} from './instrument.model';
import { SymbolClient } from './symbol-client';

export const MAX_PAGE_SIZE = 500;

@Resolver(() => Instrument)
export class InstrumentsResolver {
  constructor(@Inject(SymbolClient) private readonly symbols: SymbolClient) {}

  @RequirePermission('instruments:read')
  @Query(() => InstrumentConnection, {
    description: 'Instruments of the master, filtered, in pages ordered by id.',
  })
  async instruments(
    @Args('filter', { type: () => InstrumentFilter, nullable: true }) filter: InstrumentFilter | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50, description: `1..${MAX_PAGE_SIZE}` })
    first: number,
    @Args('after', { type: () => String, nullable: true, description: 'endCursor of the previous page.' })
    after: string | null,
  ): Promise<InstrumentConnection> {
    if (first < 1 || first > MAX_PAGE_SIZE) {
      throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`);
    }
    const res = await this.symbols.call('listInstruments', {
      page: { pageSize: first, pageToken: after ?? '' },
      assetClasses: (filter?.assetClasses ?? []).map((a) => symbolV1.AssetClass[`ASSET_CLASS_${a}`]),
      venue: filter?.venue ?? '',
      query: filter?.query ?? '',
      statuses: (filter?.statuses ?? []).map((s) => symbolV1.InstrumentStatus[`INSTRUMENT_STATUS_${s}`]),
    });
    const edges = res.instruments.map((i) => ({ cursor: i.instrumentId, node: toModel(i) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: res.pageInfo?.nextPageToken !== '' && res.pageInfo?.nextPageToken !== undefined,
        endCursor: res.pageInfo?.nextPageToken || null,
      },
      totalCount: res.pageInfo?.totalSize ?? 0,
    };
  }

  @RequirePermission('instruments:read')
  @Query(() => Instrument, { description: 'One instrument; error NOT_FOUND when the id is unknown.' })
  async instrument(@Args('id', { type: () => ID }) id: string): Promise<Instrument> {
    const res = await this.symbols.call('getInstrument', { instrumentId: id });
    if (!res.instrument) throw apiError('INTERNAL', 'internal error');
    return toModel(res.instrument);
  }
}

function toModel(i: symbolV1.Instrument): Instrument {
  const dec = (d: typeof i.tickSize) => formatFixed(fromWireDecimal(d));
  return {
    id: i.instrumentId,
    symbol: i.symbol,
    description: i.description,
    assetClass: symbolV1.AssetClass[i.assetClass].replace('ASSET_CLASS_', '') as AssetClass,
    venue: i.venue,
    currency: i.currency,
    baseCurrency: i.baseCurrency || null,
    priceScale: i.priceScale,
    sizeScale: i.sizeScale,
    tickSize: dec(i.tickSize),
    lotSize: dec(i.lotSize),
    minSize: dec(i.minSize),
    multiplier: dec(i.multiplier),
    venueSymbols: i.venueSymbols,
    sessions: i.sessions,
    status: symbolV1.InstrumentStatus[i.status].replace('INSTRUMENT_STATUS_', '') as InstrumentStatus,
    expiryDate: i.expiryDate || null,
    underlying: i.underlying || null,
  };
}
