import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { eventsV1 } from '@tapeline/contracts';
import { RequirePermission } from '../auth/require-permission';
import { apiError, badInput } from '../graphql/errors';
import { HistoryArgs, loadHistory } from '../graphql/history';
import { InstrumentDirectory } from '../instruments/instrument-directory';
import { asYielded, type LiveContext } from '../live/live-context';
import { LatestQuotes } from '../live/latest-quotes';
import { LiveSubscriptions } from '../live/live-subscriptions';
import { MarketDataClient } from './market-data-client';
import {
  Book,
  DepthUpdate,
  Quote,
  QuoteConnection,
  snapshotOf,
  toBook,
  toQuote,
  toTrade,
  Trade,
  TradeConnection,
} from './market.model';

export const MAX_BOOK_DEPTH = 500;
/** Levels per side of `book` and depth snapshots unless the caller says. */
export const DEFAULT_BOOK_DEPTH = 10;

/**
 * Converted quotes of the feed, per event: between two quotes of an instrument every `quote`
 * query of it gets the same event, converted once (decimal formatting is most of the resolver).
 * Weak, so an event goes when LatestQuotes drops it.
 */
const converted = new WeakMap<eventsV1.QuoteEvent, Quote>();
function quoteOfFeed(event: eventsV1.QuoteEvent): Quote {
  let quote = converted.get(event);
  if (!quote) converted.set(event, (quote = toQuote(event)));
  return quote;
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_BOOK_DEPTH) {
    throw badInput('depth', `must be between 1 and ${MAX_BOOK_DEPTH}, got ${depth}`);
  }
}

@Resolver()
export class MarketResolver {
  constructor(
    @Inject(MarketDataClient) private readonly marketData: MarketDataClient,
    @Inject(LiveSubscriptions) private readonly live: LiveSubscriptions,
    @Inject(InstrumentDirectory) private readonly instruments: InstrumentDirectory,
    @Inject(LatestQuotes) private readonly latest: LatestQuotes,
  ) {}

  @RequirePermission('marketdata:read')
  @Query(() => Quote, { description: 'Current top of book. NOT_FOUND for an unknown instrument.' })
  async quote(@Args('instrumentId', { type: () => ID }) instrumentId: string): Promise<Quote> {
    const seen = this.latest.get(instrumentId);
    if (seen) return quoteOfFeed(seen);
    const res = await this.marketData.call('getQuote', { instrumentId });
    if (!res.quote) throw apiError('SERVICE_UNAVAILABLE', `no quote for ${instrumentId} yet`);
    return toQuote(res.quote);
  }

  @RequirePermission('marketdata:read')
  @Query(() => Book, { description: 'Current L2 book, best levels first.' })
  async book(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('depth', {
      type: () => Int,
      defaultValue: DEFAULT_BOOK_DEPTH,
      description: `Levels per side, 1..${MAX_BOOK_DEPTH}.`,
    })
    depth: number,
  ): Promise<Book> {
    checkDepth(depth);
    return toBook(await this.marketData.call('getBook', { instrumentId, depth }));
  }

  @RequirePermission('history:read')
  @Query(() => TradeConnection, { description: 'Trades of an instrument in [from, to), oldest first.' })
  trades(@Args() args: HistoryArgs): Promise<TradeConnection> {
    return loadHistory(
      args,
      async (req) => {
        const res = await this.marketData.call('listTrades', req);
        return { items: res.trades, pageInfo: res.pageInfo };
      },
      toTrade,
    );
  }

  @RequirePermission('history:read')
  @Query(() => QuoteConnection, {
    name: 'quotes',
    description: 'Top-of-book quotes of an instrument in [from, to), oldest first.',
  })
  quoteHistory(@Args() args: HistoryArgs): Promise<QuoteConnection> {
    return loadHistory(
      args,
      async (req) => {
        const res = await this.marketData.call('listQuotes', req);
        return { items: res.quotes, pageInfo: res.pageInfo };
      },
      toQuote,
    );
  }

  @RequirePermission('marketdata:read')
  @Subscription(() => Quote, {
    name: 'quotes',
    resolve: asYielded,
    description: 'Top of book as it changes; a slow client gets the latest quote of each instrument.',
  })
  async liveQuotes(
    @Args('instrumentIds', { type: () => [ID] }) instrumentIds: string[],
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Quote>> {
    const ids = await this.instruments.requireKnown(instrumentIds);
    return this.live.quotes<Quote>(ids, ctx.connection);
  }

  @RequirePermission('marketdata:read')
  @Subscription(() => Trade, {
    name: 'trades',
    resolve: asYielded,
    description:
      'Every trade, in order per instrument. A client too slow for them keeps a bounded buffer: the ' +
      'trades that overflow it are dropped and the next trade delivered names them in its gap.',
  })
  async liveTrades(
    @Args('instrumentIds', { type: () => [ID] }) instrumentIds: string[],
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Trade>> {
    const ids = await this.instruments.requireKnown(instrumentIds);
    return this.live.trades<Trade>(ids, ctx.connection);
  }

  @RequirePermission('marketdata:read')
  @Subscription(() => DepthUpdate, {
    name: 'depth',
    resolve: asYielded,
    description:
      'A snapshot of each book, then diffs chaining on it; after a gap or an overflow, a fresh snapshot. ' +
      'Diffs may touch levels beyond the snapshot depth.',
  })
  async liveDepth(
    @Args('instrumentIds', { type: () => [ID] }) instrumentIds: string[],
    @Args('depth', {
      type: () => Int,
      defaultValue: DEFAULT_BOOK_DEPTH,
      description: 'Snapshot levels per side.',
    })
    depth: number,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<DepthUpdate>> {
    checkDepth(depth);
    const ids = await this.instruments.requireKnown(instrumentIds);
    return this.live.depth(
      ids,
      async (instrumentId) => snapshotOf(await this.marketData.call('getBook', { instrumentId, depth })),
      ctx.connection,
    );
  }
}
