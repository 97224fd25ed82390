import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { Gap } from '@tapeline/conflation';
import { TimestampScalar } from '../graphql/scalars';

// What a slow subscriber is told about facts it was too slow for (ADR 0011): they were dropped to
// keep its buffer bounded, and the next fact it gets says exactly which, so it can fetch them.

@ObjectType({
  description:
    'Trades of the same instrument the subscription dropped just before this one because the client ' +
    'read too slowly (its buffer is bounded). Fetch them with the trades query: from = from, to = to ' +
    'plus one microsecond (trades at one instant are told apart by sequence).',
})
export class TradeGap {
  @Field(() => Int, { description: 'How many trades were dropped.' }) count!: number;
  @Field({ description: 'Sequence of the first dropped trade (uint64 as a decimal string).' })
  firstSequence!: string;
  @Field({ description: 'Sequence of the last dropped trade.' }) lastSequence!: string;
  @Field() firstTradeId!: string;
  @Field() lastTradeId!: string;
  @Field(() => TimestampScalar, { description: 'Exchange time of the first dropped trade.' }) from!: number;
  @Field(() => TimestampScalar, { description: 'Exchange time of the last dropped trade.' }) to!: number;
}

@ObjectType({
  description:
    'Alerts of the same instrument the subscription dropped just before this one because the client ' +
    'read too slowly (its buffer is bounded). The alerts query still has them (a bounded number per ' +
    'instrument): from = from, to = to.',
})
export class AlertGap {
  @Field(() => Int, { description: 'How many alerts were dropped.' }) count!: number;
  @Field() firstAlertId!: string;
  @Field() lastAlertId!: string;
  @Field(() => TimestampScalar, { description: 'When the first dropped alert was raised.' }) from!: number;
  @Field(() => TimestampScalar, { description: 'When the last dropped alert was raised.' }) to!: number;
}

/** What a trade gap is made from: the live Trade has these fields. */
export interface GapTrade {
  sequence: string;
  tradeId: string;
  exchangeTime: number;
}

/** What an alert gap is made from: the live Alert has these fields. */
export interface GapAlert {
  alertId: string;
  raisedAt: number;
}

export function toTradeGap(gap: Gap<GapTrade>): TradeGap {
  return {
    count: gap.count,
    firstSequence: gap.first.sequence,
    lastSequence: gap.last.sequence,
    firstTradeId: gap.first.tradeId,
    lastTradeId: gap.last.tradeId,
    from: gap.first.exchangeTime,
    to: gap.last.exchangeTime,
  };
}

export function toAlertGap(gap: Gap<GapAlert>): AlertGap {
  return {
    count: gap.count,
    firstAlertId: gap.first.alertId,
    lastAlertId: gap.last.alertId,
    from: gap.first.raisedAt,
    to: gap.last.raisedAt,
  };
}
