import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  commonV1 as wireCommon,
  tradingV1 as commonV1,
  type eventsV1,
  type omsV1,
  riskV1,
} from '@tapeline/contracts';
import { Side, toSide } from '../market/market.model';
import { Connection } from '../graphql/paging';
import { DecimalScalar, TimestampScalar } from '../graphql/scalars';
import { decimalOf, microsOf, microsOfTimestamp } from '../graphql/wire';

export enum OrdType {
  MARKET = 'MARKET',
  LIMIT = 'LIMIT',
  STOP = 'STOP',
  STOP_LIMIT = 'STOP_LIMIT',
}
registerEnumType(OrdType, { name: 'OrdType' });

export enum TimeInForce {
  DAY = 'DAY',
  GTC = 'GTC',
  IOC = 'IOC',
  FOK = 'FOK',
  GTD = 'GTD',
}
registerEnumType(TimeInForce, { name: 'TimeInForce' });

export enum OrdStatus {
  PENDING_NEW = 'PENDING_NEW',
  NEW = 'NEW',
  PARTIALLY_FILLED = 'PARTIALLY_FILLED',
  FILLED = 'FILLED',
  PENDING_CANCEL = 'PENDING_CANCEL',
  CANCELED = 'CANCELED',
  PENDING_REPLACE = 'PENDING_REPLACE',
  REPLACED = 'REPLACED',
  REJECTED = 'REJECTED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(OrdStatus, { name: 'OrdStatus', description: 'FIX 4.4 OrdStatus.' });

export enum ExecType {
  NEW = 'NEW',
  TRADE = 'TRADE',
  CANCELED = 'CANCELED',
  REPLACED = 'REPLACED',
  PENDING_CANCEL = 'PENDING_CANCEL',
  PENDING_REPLACE = 'PENDING_REPLACE',
  REJECTED = 'REJECTED',
  EXPIRED = 'EXPIRED',
  PENDING_NEW = 'PENDING_NEW',
  ORDER_STATUS = 'ORDER_STATUS',
}
registerEnumType(ExecType, { name: 'ExecType', description: 'FIX 4.4 ExecType.' });

export enum KillSwitchScope {
  GLOBAL = 'GLOBAL',
  DESK = 'DESK',
  ACCOUNT = 'ACCOUNT',
}
registerEnumType(KillSwitchScope, { name: 'KillSwitchScope' });

export enum LimitScope {
  GLOBAL = 'GLOBAL',
  DESK = 'DESK',
  ACCOUNT = 'ACCOUNT',
  INSTRUMENT = 'INSTRUMENT',
}
registerEnumType(LimitScope, { name: 'LimitScope' });

/** A proto enum value by its GraphQL name: `WIRE.ordType[OrdType.LIMIT]` is ORD_TYPE_LIMIT. */
export const WIRE = {
  side: { BUY: wireCommon.Side.SIDE_BUY, SELL: wireCommon.Side.SIDE_SELL } satisfies Record<Side, number>,
  ordType: {
    MARKET: commonV1.OrdType.ORD_TYPE_MARKET,
    LIMIT: commonV1.OrdType.ORD_TYPE_LIMIT,
    STOP: commonV1.OrdType.ORD_TYPE_STOP,
    STOP_LIMIT: commonV1.OrdType.ORD_TYPE_STOP_LIMIT,
  } satisfies Record<OrdType, number>,
  timeInForce: {
    DAY: commonV1.TimeInForce.TIME_IN_FORCE_DAY,
    GTC: commonV1.TimeInForce.TIME_IN_FORCE_GTC,
    IOC: commonV1.TimeInForce.TIME_IN_FORCE_IOC,
    FOK: commonV1.TimeInForce.TIME_IN_FORCE_FOK,
    GTD: commonV1.TimeInForce.TIME_IN_FORCE_GTD,
  } satisfies Record<TimeInForce, number>,
  ordStatus: (s: OrdStatus): commonV1.OrdStatus =>
    commonV1.OrdStatus[`ORD_STATUS_${s}` as keyof typeof commonV1.OrdStatus],
  killSwitchScope: (s: KillSwitchScope): riskV1.KillSwitchScope =>
    riskV1.KillSwitchScope[`KILL_SWITCH_SCOPE_${s}` as keyof typeof riskV1.KillSwitchScope],
};

/** The GraphQL name of a proto enum value, without its prefix; null for UNSPECIFIED or unknown. */
function fromWire<E extends string>(
  values: Record<string, E>,
  protoName: string | undefined,
  prefix: string,
) {
  const name = protoName?.slice(prefix.length);
  return name !== undefined && Object.hasOwn(values, name) ? values[name]! : null;
}

@ObjectType({ description: 'An order as the oms holds it (FIX 4.4 fields).' })
export class Order {
  @Field(() => ID) orderId!: string;
  @Field() clOrdId!: string;
  @Field(() => String, { nullable: true }) origClOrdId!: string | null;
  @Field(() => ID) accountId!: string;
  @Field() desk!: string;
  @Field(() => ID) instrumentId!: string;
  @Field(() => Side, { nullable: true }) side!: Side | null;
  @Field(() => OrdType, { nullable: true }) ordType!: OrdType | null;
  @Field(() => TimeInForce, { nullable: true }) timeInForce!: TimeInForce | null;
  @Field(() => OrdStatus, { nullable: true }) status!: OrdStatus | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Null for market and stop orders.' })
  price!: string | null;
  @Field(() => DecimalScalar, { nullable: true }) stopPrice!: string | null;
  @Field(() => DecimalScalar) orderQty!: string;
  @Field(() => DecimalScalar) cumQty!: string;
  @Field(() => DecimalScalar) leavesQty!: string;
  @Field(() => DecimalScalar) avgPx!: string;
  @Field(() => TimestampScalar) transactTime!: number;
  @Field(() => TimestampScalar, { nullable: true }) expireTime!: number | null;
  @Field(() => String, { nullable: true }) text!: string | null;
  @Field({ description: 'uint64 as a decimal string: +1 per state change.' }) version!: string;
}

@ObjectType({ description: 'A FIX ExecutionReport.' })
export class Execution {
  @Field(() => ID) execId!: string;
  @Field(() => ID) orderId!: string;
  @Field() clOrdId!: string;
  @Field(() => ID) accountId!: string;
  @Field(() => ID) instrumentId!: string;
  @Field() venue!: string;
  @Field(() => ExecType, { nullable: true }) execType!: ExecType | null;
  @Field(() => OrdStatus, { nullable: true }) ordStatus!: OrdStatus | null;
  @Field(() => Side, { nullable: true }) side!: Side | null;
  @Field(() => DecimalScalar) lastQty!: string;
  @Field(() => DecimalScalar) lastPx!: string;
  @Field(() => DecimalScalar) cumQty!: string;
  @Field(() => DecimalScalar) leavesQty!: string;
  @Field(() => DecimalScalar) avgPx!: string;
  @Field(() => TimestampScalar) transactTime!: number;
  @Field(() => String, { nullable: true }) text!: string | null;
}

@ObjectType({ description: 'A position of an account in an instrument, marked to the latest quote.' })
export class Position {
  @Field(() => ID) accountId!: string;
  @Field() desk!: string;
  @Field(() => ID) instrumentId!: string;
  @Field(() => DecimalScalar, { description: 'Signed: negative is short.' }) quantity!: string;
  @Field(() => DecimalScalar) avgPx!: string;
  @Field(() => DecimalScalar) realizedPnl!: string;
  @Field(() => DecimalScalar) unrealizedPnl!: string;
  @Field(() => DecimalScalar) markPrice!: string;
  @Field() currency!: string;
}

@ObjectType({ description: 'Exposure and P&L of a desk in one currency.' })
export class DeskExposure {
  @Field() desk!: string;
  @Field() currency!: string;
  @Field(() => DecimalScalar) grossExposure!: string;
  @Field(() => DecimalScalar) netExposure!: string;
  @Field(() => DecimalScalar) realizedPnl!: string;
  @Field(() => DecimalScalar) unrealizedPnl!: string;
}

@ObjectType()
export class Positions {
  @Field(() => [Position]) positions!: Position[];
  @Field(() => [DeskExposure]) exposures!: DeskExposure[];
}

@ObjectType()
export class Figure {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType({ description: 'Why a pre-trade control refused an order, with its figures.' })
export class RiskRejection {
  @Field({ description: 'e.g. "max_order_qty", "price_collar", "kill_switch".' }) control!: string;
  @Field() message!: string;
  @Field(() => [Figure]) figures!: Figure[];
}

@ObjectType({
  description:
    'The order as the oms answered: REJECTED with its rejections when risk refused it (not an error).',
})
export class OrderResult {
  @Field(() => Order) order!: Order;
  @Field({ description: 'True when this ClOrdID was already submitted: the original order.' })
  duplicate!: boolean;
  @Field(() => [RiskRejection]) rejections!: RiskRejection[];
}

@ObjectType()
export class KillSwitchResult {
  @Field() engaged!: boolean;
  @Field(() => [ID], { description: 'Orders cancelled because the switch was engaged.' })
  cancelledOrderIds!: string[];
}

@ObjectType()
export class RiskLimitResult {
  @Field(() => String, { nullable: true }) previousValue!: string | null;
  @Field(() => String, { nullable: true, description: 'Null: the limit was removed at this scope.' })
  value!: string | null;
}

@ObjectType()
export class LimitSetting {
  @Field() scope!: string;
  @Field() target!: string;
  @Field() control!: string;
  @Field() value!: string;
}

@ObjectType()
export class Limits {
  @Field(() => [LimitSetting]) limits!: LimitSetting[];
  @Field(() => [String]) engagedKillSwitches!: string[];
}

@ObjectType()
export class StressResult {
  @Field() scenario!: string;
  @Field(() => DecimalScalar) pnl!: string;
}

@ObjectType({ description: 'Post-trade risk of a desk, an account or the firm.' })
export class RiskReport {
  @Field() currency!: string;
  @Field(() => DecimalScalar) grossExposure!: string;
  @Field(() => DecimalScalar) netExposure!: string;
  @Field(() => DecimalScalar) realizedPnl!: string;
  @Field(() => DecimalScalar) unrealizedPnl!: string;
  @Field(() => DecimalScalar) varHistorical!: string;
  @Field(() => DecimalScalar) varParametric!: string;
  @Field(() => DecimalScalar) expectedShortfall!: string;
  @Field(() => [StressResult]) stress!: StressResult[];
  @Field(() => DecimalScalar) initialMargin!: string;
  @Field(() => DecimalScalar) dailyLoss!: string;
  @Field(() => DecimalScalar) dailyLossLimit!: string;
  @Field(() => TimestampScalar, { nullable: true }) asOf!: number | null;
}

@ObjectType()
export class JournalActor {
  @Field(() => String, { nullable: true }) userId!: string | null;
  @Field(() => String, { nullable: true }) clientId!: string | null;
  @Field() desk!: string;
  @Field() role!: string;
}

@ObjectType({ description: 'One entry of the append-only, hash-chained journal.' })
export class JournalEntry {
  @Field({ description: 'uint64 as a decimal string.' }) sequence!: string;
  @Field(() => ID) entryId!: string;
  @Field(() => TimestampScalar) recordedAt!: number;
  @Field(() => JournalActor) actor!: JournalActor;
  @Field() requestId!: string;
  @Field() kind!: string;
  @Field() accountId!: string;
  @Field() subjectId!: string;
  @Field(() => String, { nullable: true }) instrumentId!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON of the state before.' })
  beforeState!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON of the state after.' })
  afterState!: string | null;
  @Field({ description: 'Hex SHA-256 of the previous entry.' }) prevHash!: string;
  @Field({ description: 'Hex SHA-256 of this entry.' }) hash!: string;
}

@ObjectType()
export class BrokenLink {
  @Field() sequence!: string;
  @Field({ description: '"hash_mismatch", "prev_hash_mismatch" or "sequence_gap".' }) reason!: string;
  @Field() expected!: string;
  @Field() actual!: string;
}

@ObjectType()
export class JournalVerification {
  @Field() ok!: boolean;
  @Field(() => Int) entriesChecked!: number;
  @Field(() => BrokenLink, { nullable: true }) firstBroken!: BrokenLink | null;
}

@ObjectType({ description: 'Orders, oldest first.' })
export class OrderConnection extends Connection(Order, 'Order') {}

@ObjectType({ description: 'Executions, in the order they happened.' })
export class ExecutionConnection extends Connection(Execution, 'Execution') {}

@ObjectType({ description: 'Journal entries, oldest first.' })
export class JournalConnection extends Connection(JournalEntry, 'JournalEntry') {}

@InputType()
export class SubmitOrderInput {
  @Field(() => ID) accountId!: string;
  @Field({ description: 'Idempotency key per account: a repeat returns the original order.' })
  clOrdId!: string;
  @Field(() => ID) instrumentId!: string;
  @Field(() => Side) side!: Side;
  @Field(() => OrdType) ordType!: OrdType;
  @Field(() => TimeInForce, { defaultValue: TimeInForce.DAY }) timeInForce!: TimeInForce;
  @Field(() => DecimalScalar) orderQty!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Required for LIMIT and STOP_LIMIT.' })
  price?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Required for STOP and STOP_LIMIT.' })
  stopPrice?: string | null;
  @Field(() => TimestampScalar, { nullable: true, description: 'Required for GTD.' })
  expireTime?: number | null;
}

@InputType({ description: 'The order to amend or cancel: origClOrdId or orderId.' })
export class CancelOrderInput {
  @Field(() => ID) accountId!: string;
  @Field({ description: 'ClOrdID of this request.' }) clOrdId!: string;
  @Field(() => String, { nullable: true }) origClOrdId?: string | null;
  @Field(() => ID, { nullable: true }) orderId?: string | null;
}

@InputType()
export class ReplaceOrderInput extends CancelOrderInput {
  @Field(() => DecimalScalar, { nullable: true, description: 'Unset: unchanged.' }) orderQty?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Unset: unchanged.' }) price?: string | null;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const orNull = (s: string): string | null => (s === '' ? null : s);

export function toOrder(e: eventsV1.OrderEvent): Order {
  const priced =
    e.ordType === commonV1.OrdType.ORD_TYPE_LIMIT || e.ordType === commonV1.OrdType.ORD_TYPE_STOP_LIMIT;
  const stopped =
    e.ordType === commonV1.OrdType.ORD_TYPE_STOP || e.ordType === commonV1.OrdType.ORD_TYPE_STOP_LIMIT;
  const expire = microsOf(e.expireTimeMicros || '0');
  return {
    orderId: e.orderId,
    clOrdId: e.clOrdId,
    origClOrdId: orNull(e.origClOrdId),
    accountId: e.accountId,
    desk: e.desk,
    instrumentId: e.instrumentId,
    side: toSide(e.side),
    ordType: fromWire(OrdType, commonV1.OrdType[e.ordType], 'ORD_TYPE_'),
    timeInForce: fromWire(TimeInForce, commonV1.TimeInForce[e.timeInForce], 'TIME_IN_FORCE_'),
    status: fromWire(OrdStatus, commonV1.OrdStatus[e.ordStatus], 'ORD_STATUS_'),
    price: priced ? decimalOf(e.price, e.priceScale) : null,
    stopPrice: stopped ? decimalOf(e.stopPrice, e.priceScale) : null,
    orderQty: decimalOf(e.orderQty, e.sizeScale),
    cumQty: decimalOf(e.cumQty, e.sizeScale),
    leavesQty: decimalOf(e.leavesQty, e.sizeScale),
    avgPx: decimalOf(e.avgPx, e.priceScale),
    transactTime: microsOf(e.transactTimeMicros),
    expireTime: expire === 0 ? null : expire,
    text: orNull(e.text),
    version: e.version,
  };
}

export function toExecution(e: eventsV1.ExecutionEvent): Execution {
  return {
    execId: e.execId,
    orderId: e.orderId,
    clOrdId: e.clOrdId,
    accountId: e.accountId,
    instrumentId: e.instrumentId,
    venue: e.venue,
    execType: fromWire(ExecType, commonV1.ExecType[e.execType], 'EXEC_TYPE_'),
    ordStatus: fromWire(OrdStatus, commonV1.OrdStatus[e.ordStatus], 'ORD_STATUS_'),
    side: toSide(e.side),
    lastQty: decimalOf(e.lastQty, e.sizeScale),
    lastPx: decimalOf(e.lastPx, e.priceScale),
    cumQty: decimalOf(e.cumQty, e.sizeScale),
    leavesQty: decimalOf(e.leavesQty, e.sizeScale),
    avgPx: decimalOf(e.avgPx, e.priceScale),
    transactTime: microsOf(e.transactTimeMicros),
    text: orNull(e.text),
  };
}

export function toPosition(p: omsV1.Position): Position {
  return {
    accountId: p.accountId,
    desk: p.desk,
    instrumentId: p.instrumentId,
    quantity: decimalOf(p.quantity, p.sizeScale),
    avgPx: decimalOf(p.avgPx, p.priceScale),
    realizedPnl: decimalOf(p.realizedPnl, p.priceScale),
    unrealizedPnl: decimalOf(p.unrealizedPnl, p.priceScale),
    markPrice: decimalOf(p.markPrice, p.priceScale),
    currency: p.currency,
  };
}

export function toRejection(r: riskV1.RiskRejection): RiskRejection {
  return {
    control: r.control,
    message: r.message,
    figures: Object.entries(r.figures)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value })),
  };
}

export function toJournalEntry(e: eventsV1.JournalEntry): JournalEntry {
  const a = e.actor;
  return {
    sequence: e.sequence,
    entryId: e.entryId,
    recordedAt: microsOf(e.recordedAtMicros),
    actor: {
      userId: orNull(a?.userId ?? ''),
      clientId: orNull(a?.clientId ?? ''),
      desk: a?.desk ?? '',
      role: a?.role ?? '',
    },
    requestId: e.requestId,
    kind: e.kind,
    accountId: e.accountId,
    subjectId: e.subjectId,
    instrumentId: orNull(e.instrumentId),
    beforeState: orNull(e.beforeState),
    afterState: orNull(e.afterState),
    prevHash: hex(e.prevHash),
    hash: hex(e.hash),
  };
}

export function toRiskReport(r: riskV1.GetRiskReportResponse): RiskReport {
  const d = (s: string) => s || '0';
  return {
    currency: r.currency,
    grossExposure: d(r.grossExposure),
    netExposure: d(r.netExposure),
    realizedPnl: d(r.realizedPnl),
    unrealizedPnl: d(r.unrealizedPnl),
    varHistorical: d(r.varHistorical),
    varParametric: d(r.varParametric),
    expectedShortfall: d(r.expectedShortfall),
    stress: r.stress.map((s) => ({ scenario: s.scenario, pnl: d(s.pnl) })),
    initialMargin: d(r.initialMargin),
    dailyLoss: d(r.dailyLoss),
    dailyLossLimit: d(r.dailyLossLimit),
    asOf: microsOfTimestamp(r.asOf),
  };
}
