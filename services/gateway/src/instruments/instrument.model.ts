import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DecimalScalar } from '../graphql/scalars';
import { Connection } from '../graphql/paging';

export enum AssetClass {
  EQUITY = 'EQUITY',
  FUTURE = 'FUTURE',
  FX_SPOT = 'FX_SPOT',
  CRYPTO_SPOT = 'CRYPTO_SPOT',
  CRYPTO_PERPETUAL = 'CRYPTO_PERPETUAL',
}
registerEnumType(AssetClass, { name: 'AssetClass' });

export enum InstrumentStatus {
  ACTIVE = 'ACTIVE',
  HALTED = 'HALTED',
  SUSPENDED = 'SUSPENDED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(InstrumentStatus, { name: 'InstrumentStatus' });

@ObjectType({ description: 'How one venue names the instrument.' })
export class VenueSymbol {
  @Field({ description: 'Venue code (ISO 10383 MIC where one exists).' }) venue!: string;
  @Field() symbol!: string;
}

@ObjectType({ description: "A trading session in the venue's local time zone." })
export class TradingSession {
  @Field() name!: string;
  @Field({ description: 'IANA time zone.' }) timeZone!: string;
  @Field({ description: 'Local wall-clock time HH:MM.' }) openTime!: string;
  @Field({
    description: 'Local wall-clock time HH:MM; earlier than openTime when the session spans midnight.',
  })
  closeTime!: string;
  @Field(() => [Int], { description: 'ISO weekdays 1 (Monday) .. 7 (Sunday).' }) weekdays!: number[];
}

@ObjectType({ description: 'A tradable instrument from the instrument master.' })
export class Instrument {
  @Field(() => ID, { description: 'Stable id SYMBOL.VENUE, e.g. AAPL.XNAS.' }) id!: string;
  @Field() symbol!: string;
  @Field() description!: string;
  @Field(() => AssetClass) assetClass!: AssetClass;
  @Field({ description: 'Primary venue.' }) venue!: string;
  @Field({ description: 'Quote currency.' }) currency!: string;
  @Field(() => String, { nullable: true, description: 'Base currency of FX and crypto pairs.' })
  baseCurrency!: string | null;
  @Field(() => Int, { description: 'Decimal places of every price.' }) priceScale!: number;
  @Field(() => Int, { description: 'Decimal places of every quantity.' }) sizeScale!: number;
  @Field(() => DecimalScalar) tickSize!: string;
  @Field(() => DecimalScalar) lotSize!: string;
  @Field(() => DecimalScalar) minSize!: string;
  @Field(() => DecimalScalar, { description: 'Contract multiplier; 1 for cash instruments.' })
  multiplier!: string;
  @Field(() => [VenueSymbol]) venueSymbols!: VenueSymbol[];
  @Field(() => [TradingSession]) sessions!: TradingSession[];
  @Field(() => InstrumentStatus) status!: InstrumentStatus;
  @Field(() => String, { nullable: true, description: 'Futures: last trading day YYYY-MM-DD.' })
  expiryDate!: string | null;
  @Field(() => String, { nullable: true }) underlying!: string | null;
}

@InputType()
export class InstrumentFilter {
  @Field(() => [AssetClass], { nullable: true }) assetClasses?: AssetClass[];
  @Field(() => String, { nullable: true }) venue?: string;
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive substring of id, symbol or description.',
  })
  query?: string;
  @Field(() => [InstrumentStatus], { nullable: true }) statuses?: InstrumentStatus[];
}

@ObjectType({ description: 'Relay-style connection over instruments, ordered by id.' })
export class InstrumentConnection extends Connection(Instrument, 'Instrument') {}

@InputType({ description: 'How one venue names the instrument.' })
export class VenueSymbolInput {
  @Field({ description: 'Venue code (2-12 capitals or digits).' }) venue!: string;
  @Field() symbol!: string;
}

@InputType({ description: "A trading session in the venue's local time zone." })
export class TradingSessionInput {
  @Field() name!: string;
  @Field({ description: 'IANA time zone.' }) timeZone!: string;
  @Field({ description: 'Local wall-clock time HH:MM.' }) openTime!: string;
  @Field({ description: 'Local wall-clock time HH:MM; earlier than openTime to span midnight.' })
  closeTime!: string;
  @Field(() => [Int], { description: 'ISO weekdays 1 (Monday) .. 7 (Sunday).' }) weekdays!: number[];
}

@InputType({
  description:
    'The whole definition of an instrument, validated like the seed of the instrument master. On ' +
    'update, id, venue, assetClass and the scales cannot change.',
})
export class InstrumentInput {
  @Field(() => ID, { description: 'SYMBOL.VENUE; ends with its venue.' }) id!: string;
  @Field() symbol!: string;
  @Field() description!: string;
  @Field(() => AssetClass) assetClass!: AssetClass;
  @Field() venue!: string;
  @Field() currency!: string;
  @Field(() => String, { nullable: true, description: 'Required for FX and crypto pairs.' })
  baseCurrency?: string | null;
  @Field(() => Int, { description: '0..12' }) priceScale!: number;
  @Field(() => Int, { description: '0..12' }) sizeScale!: number;
  @Field(() => DecimalScalar, { description: 'Positive, at priceScale.' }) tickSize!: string;
  @Field(() => DecimalScalar, { description: 'Positive, at sizeScale.' }) lotSize!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Unset: the lot size.' })
  minSize?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Unset: 1.' }) multiplier?: string | null;
  @Field(() => [VenueSymbolInput], { defaultValue: [] }) venueSymbols!: VenueSymbolInput[];
  @Field(() => [TradingSessionInput], { defaultValue: [] }) sessions!: TradingSessionInput[];
  @Field(() => String, { nullable: true, description: 'Futures (required): last trading day YYYY-MM-DD.' })
  expiryDate?: string | null;
  @Field(() => String, { nullable: true }) underlying?: string | null;
}
