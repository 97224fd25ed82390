import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { commonV1, eventsV1, type marketDataV1 } from '@tapeline/contracts';
import { Connection } from '../graphql/paging';
import { DecimalScalar, TimestampScalar } from '../graphql/scalars';
import { decimalOf, microsOf, microsOfTimestamp } from '../graphql/wire';
import { TradeGap } from '../live/live-gap.model';

export enum Side {
  BUY = 'BUY',
  SELL = 'SELL',
}
registerEnumType(Side, { name: 'Side', description: 'Side of an order, or the aggressor side of a trade.' });

export enum DepthKind {
  SNAPSHOT = 'SNAPSHOT',
  DIFF = 'DIFF',
}
registerEnumType(DepthKind, {
  name: 'DepthKind',
  description: 'SNAPSHOT replaces the book a client holds; DIFF changes it (a level of size 0 is removed).',
});

@ObjectType({ description: 'Top of book of one instrument on one venue.' })
export class Quote {
  @Field(() => ID) instrumentId!: string;
  @Field() venue!: string;
  @Field({ description: 'Book sequence (uint64 as a decimal string); increases per instrument and venue.' })
  sequence!: string;
  @Field(() => DecimalScalar) bidPrice!: string;
  @Field(() => DecimalScalar) bidSize!: string;
  @Field(() => DecimalScalar) askPrice!: string;
  @Field(() => DecimalScalar) askSize!: string;
  @Field(() => TimestampScalar, { description: "The venue's time of the change." }) exchangeTime!: number;
  @Field(() => TimestampScalar, { description: 'When the feed reached Tapeline.' }) receiveTime!: number;
  @Field(() => TimestampScalar, { description: 'When market-data published it.' }) publishTime!: number;
}

@ObjectType({ description: 'One trade printed by a venue.' })
export class Trade {
  @Field(() => ID) instrumentId!: string;
  @Field() venue!: string;
  @Field({ description: 'uint64 as a decimal string.' }) sequence!: string;
  @Field() tradeId!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) size!: string;
  @Field(() => Side, { nullable: true, description: 'Null when the venue does not say.' })
  aggressorSide!: Side | null;
  @Field(() => TimestampScalar) exchangeTime!: number;
  @Field(() => TimestampScalar) receiveTime!: number;
  @Field(() => TimestampScalar) publishTime!: number;
  @Field(() => TradeGap, {
    nullable: true,
    description:
      'Subscriptions only: set on the first trade after some were dropped for a slow client (then ' +
      'fetch them with the trades query); null otherwise, and always null in queries.',
  })
  gap?: TradeGap | null;
}

@ObjectType()
export class PriceLevel {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) size!: string;
}

@ObjectType({ description: 'The L2 book of an instrument: best levels first.' })
export class Book {
  @Field(() => ID) instrumentId!: string;
  @Field({ description: 'uint64 as a decimal string.' }) sequence!: string;
  @Field(() => [PriceLevel], { description: 'Descending prices.' }) bids!: PriceLevel[];
  @Field(() => [PriceLevel], { description: 'Ascending prices.' }) asks!: PriceLevel[];
  @Field({ description: 'True between a detected feed gap and the resync that repairs it.' }) stale!: boolean;
  @Field(() => TimestampScalar, { nullable: true }) updatedAt!: number | null;
}

@ObjectType({
  description:
    'A depth message: the first of a subscription (and the first after a resync) is a SNAPSHOT; ' +
    'then DIFFs whose previousSequence is the sequence of the message before.',
})
export class DepthUpdate {
  @Field(() => ID) instrumentId!: string;
  @Field(() => String, { nullable: true, description: 'Null on snapshots taken from the book service.' })
  venue!: string | null;
  @Field(() => DepthKind) kind!: DepthKind;
  @Field({ description: 'uint64 as a decimal string.' }) sequence!: string;
  @Field({ description: 'Sequence of the message this one follows; "0" for snapshots.' })
  previousSequence!: string;
  @Field(() => [PriceLevel]) bids!: PriceLevel[];
  @Field(() => [PriceLevel]) asks!: PriceLevel[];
  @Field({ description: 'A snapshot taken while the book was stale (gap not yet repaired).' })
  stale!: boolean;
  @Field(() => TimestampScalar, { nullable: true }) publishTime!: number | null;
}

@ObjectType({ description: 'Quotes of one instrument in a time range, oldest first.' })
export class QuoteConnection extends Connection(Quote, 'Quote') {}

@ObjectType({ description: 'Trades of one instrument in a time range, oldest first.' })
export class TradeConnection extends Connection(Trade, 'Trade') {}

export function toQuote(e: eventsV1.QuoteEvent): Quote {
  return {
    instrumentId: e.instrumentId,
    venue: e.venue,
    sequence: e.sequence,
    bidPrice: decimalOf(e.bidPrice, e.priceScale),
    bidSize: decimalOf(e.bidSize, e.sizeScale),
    askPrice: decimalOf(e.askPrice, e.priceScale),
    askSize: decimalOf(e.askSize, e.sizeScale),
    exchangeTime: microsOf(e.exchangeTimeMicros),
    receiveTime: microsOf(e.receiveTimeMicros),
    publishTime: microsOf(e.publishTimeMicros),
  };
}

export function toSide(side: commonV1.Side): Side | null {
  if (side === commonV1.Side.SIDE_BUY) return Side.BUY;
  if (side === commonV1.Side.SIDE_SELL) return Side.SELL;
  return null;
}

export function toTrade(e: eventsV1.TradeEvent): Trade {
  return {
    instrumentId: e.instrumentId,
    venue: e.venue,
    sequence: e.sequence,
    tradeId: e.tradeId,
    price: decimalOf(e.price, e.priceScale),
    size: decimalOf(e.size, e.sizeScale),
    aggressorSide: toSide(e.aggressorSide),
    exchangeTime: microsOf(e.exchangeTimeMicros),
    receiveTime: microsOf(e.receiveTimeMicros),
    publishTime: microsOf(e.publishTimeMicros),
  };
}

function levels(list: eventsV1.PriceLevel[], priceScale: number, sizeScale: number): PriceLevel[] {
  return list.map((l) => ({ price: decimalOf(l.price, priceScale), size: decimalOf(l.size, sizeScale) }));
}

export function toBook(b: marketDataV1.GetBookResponse): Book {
  return {
    instrumentId: b.instrumentId,
    sequence: b.sequence,
    bids: levels(b.bids, b.priceScale, b.sizeScale),
    asks: levels(b.asks, b.priceScale, b.sizeScale),
    stale: b.stale,
    updatedAt: microsOfTimestamp(b.updatedAt),
  };
}

export function toDepthUpdate(e: eventsV1.DepthEvent): DepthUpdate {
  return {
    instrumentId: e.instrumentId,
    venue: e.venue,
    kind: e.kind === eventsV1.DepthKind.DEPTH_KIND_SNAPSHOT ? DepthKind.SNAPSHOT : DepthKind.DIFF,
    sequence: e.sequence,
    previousSequence: e.previousSequence,
    bids: levels(e.bids, e.priceScale, e.sizeScale),
    asks: levels(e.asks, e.priceScale, e.sizeScale),
    stale: false,
    publishTime: microsOf(e.publishTimeMicros),
  };
}

/** A book from market-data's GetBook as the first message of a depth subscription. */
export function snapshotOf(b: marketDataV1.GetBookResponse): DepthUpdate {
  const book = toBook(b);
  return {
    instrumentId: book.instrumentId,
    venue: null,
    kind: DepthKind.SNAPSHOT,
    sequence: book.sequence,
    previousSequence: '0',
    bids: book.bids,
    asks: book.asks,
    stale: book.stale,
    publishTime: book.updatedAt,
  };
}
