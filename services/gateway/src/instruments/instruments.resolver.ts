import { Inject } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import type { Principal } from '@tapeline/auth';
import { symbolV1 } from '@tapeline/contracts';
import { formatFixed, fromWireDecimal, parseFixed, toWireDecimal } from '@tapeline/fixed-point';
import { CurrentPrincipal, RequirePermission } from '../auth/require-permission';
import { apiError, badInput } from '../graphql/errors';
import { actorOf } from '../trading/actor';
import {
  AssetClass,
  Instrument,
  InstrumentConnection,
  InstrumentFilter,
  InstrumentInput,
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

  // Administration: the symbol service validates (with the seed's rules) and audit-logs each
  // change with the actor; the gateway only checks the permission and renames fields.

  @RequirePermission('instruments:admin')
  @Mutation(() => Instrument, {
    description:
      'Adds an instrument to the master (status ACTIVE). CONFLICT when the id or a venue symbol is taken.',
  })
  async createInstrument(
    @Args('input', { type: () => InstrumentInput }) input: InstrumentInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Instrument> {
    const res = await admin(() =>
      this.symbols.call('createInstrument', { actor: actorOf(principal), instrument: toWire(input) }),
    );
    return toModel(res.instrument!);
  }

  @RequirePermission('instruments:admin')
  @Mutation(() => Instrument, {
    description:
      'Replaces the definition of an instrument; its status is kept (see setInstrumentStatus). ' +
      'NOT_FOUND when the id is unknown.',
  })
  async updateInstrument(
    @Args('input', { type: () => InstrumentInput }) input: InstrumentInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Instrument> {
    const res = await admin(() =>
      this.symbols.call('updateInstrument', { actor: actorOf(principal), instrument: toWire(input) }),
    );
    return toModel(res.instrument!);
  }

  @RequirePermission('instruments:admin')
  @Mutation(() => Instrument, {
    description:
      'Halts (HALTED), resumes (ACTIVE), suspends (SUSPENDED) or delists (EXPIRED) an instrument, ' +
      'with the reason for the audit log.',
  })
  async setInstrumentStatus(
    @Args('id', { type: () => ID }) id: string,
    @Args('status', { type: () => InstrumentStatus }) status: InstrumentStatus,
    @Args('reason') reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Instrument> {
    const res = await admin(() =>
      this.symbols.call('setInstrumentStatus', {
        actor: actorOf(principal),
        instrumentId: id,
        status: symbolV1.InstrumentStatus[`INSTRUMENT_STATUS_${status}`],
        reason,
      }),
    );
    return toModel(res.instrument!);
  }
}

/**
 * The symbol service names fields as its request does (`instrument.tickSize: ...`); the API's
 * argument is `input` (with `id` for instrumentId), so BAD_USER_INPUT names that.
 */
async function admin<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof GraphQLError) || err.extensions.code !== 'BAD_USER_INPUT') throw err;
    const rename = (f: string) => `input.${f.replace(/^instrumentId\b/, 'id')}`;
    const field = /^instrument\.([^:\s]+):/.exec(err.message)?.[1];
    const argument = field ? rename(field) : /^(\w+):/.exec(err.message)?.[1];
    if (!argument) throw err;
    const message = err.message.replace(
      /(^|; )instrument\.([^:\s]+):/g,
      (_m, sep: string, f: string) => `${sep}${rename(f)}:`,
    );
    throw apiError('BAD_USER_INPUT', message, { argument });
  }
}

function toWire(input: InstrumentInput): symbolV1.Instrument {
  const dec = (value: string | null | undefined, field: string) => {
    if (value == null) return undefined;
    try {
      return toWireDecimal(parseFixed(value));
    } catch {
      throw badInput(`input.${field}`, `is not a decimal: ${value}`);
    }
  };
  return {
    instrumentId: input.id,
    symbol: input.symbol,
    description: input.description,
    assetClass: symbolV1.AssetClass[`ASSET_CLASS_${input.assetClass}`],
    venue: input.venue,
    currency: input.currency,
    baseCurrency: input.baseCurrency ?? '',
    priceScale: input.priceScale,
    sizeScale: input.sizeScale,
    tickSize: dec(input.tickSize, 'tickSize'),
    lotSize: dec(input.lotSize, 'lotSize'),
    minSize: dec(input.minSize, 'minSize'),
    multiplier: dec(input.multiplier, 'multiplier'),
    venueSymbols: input.venueSymbols.map((v) => ({ venue: v.venue, symbol: v.symbol })),
    sessions: input.sessions.map((s) => ({ ...s, weekdays: [...s.weekdays] })),
    // Set by the symbol service: ACTIVE on create, kept on update.
    status: symbolV1.InstrumentStatus.INSTRUMENT_STATUS_UNSPECIFIED,
    expiryDate: input.expiryDate ?? '',
    underlying: input.underlying ?? '',
  };
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
