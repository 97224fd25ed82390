// Domain -> contracts: the order version as an `orders` topic event, a transition as an
// `executions` topic event, and JSON for the journal's before/after states. int64 fields are
// decimal strings, as everywhere on the wire.
import { type eventsV1 } from '@tapeline/contracts';
import { OrdersError } from './errors';
import { type LifecycleEvent } from './events';
import { LIFECYCLE_TRIGGERS } from './lifecycle';
import { type Order } from './order';
import { type Transition } from './reducer';

export function toOrderEvent(o: Order): eventsV1.OrderEvent {
  return {
    orderId: o.orderId,
    clOrdId: o.clOrdId,
    origClOrdId: o.origClOrdId,
    accountId: o.accountId,
    desk: o.desk,
    instrumentId: o.instrumentId,
    side: o.side,
    ordType: o.ordType,
    timeInForce: o.timeInForce,
    ordStatus: o.status,
    priceScale: o.priceScale,
    sizeScale: o.sizeScale,
    price: o.price.toString(),
    stopPrice: o.stopPrice.toString(),
    orderQty: o.orderQty.toString(),
    cumQty: o.cumQty.toString(),
    leavesQty: o.leavesQty.toString(),
    avgPx: o.avgPx.toString(),
    transactTimeMicros: o.transactTimeMicros.toString(),
    expireTimeMicros: o.expireTimeMicros.toString(),
    text: o.text,
    version: String(o.version),
  };
}

/** The ExecutionReport of a transition; LastQty/LastPx are set for fills, "0" otherwise. */
export function toExecutionEvent(t: Transition, execId: string, venue: string): eventsV1.ExecutionEvent {
  const o = t.after;
  const fill = t.event.type === 'Fill' ? t.event : undefined;
  return {
    execId,
    orderId: o.orderId,
    clOrdId: o.clOrdId,
    accountId: o.accountId,
    instrumentId: o.instrumentId,
    venue,
    execType: t.execType,
    ordStatus: o.status,
    side: o.side,
    priceScale: o.priceScale,
    sizeScale: o.sizeScale,
    lastQty: (fill?.lastQty ?? 0n).toString(),
    lastPx: (fill?.lastPx ?? 0n).toString(),
    cumQty: o.cumQty.toString(),
    leavesQty: o.leavesQty.toString(),
    avgPx: o.avgPx.toString(),
    transactTimeMicros: o.transactTimeMicros.toString(),
    text: o.text,
  };
}

/** JSON for JournalEntry.before_state / after_state: bigints as decimal strings, keys in a fixed order. */
export function orderJson(order: Order | null): string {
  if (order === null) return '';
  return JSON.stringify(order, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** What the journal records for one transition (kind "order.state"). */
export function journalRecord(t: Transition): {
  kind: 'order.state';
  accountId: string;
  subjectId: string;
  beforeState: string;
  afterState: string;
} {
  return {
    kind: 'order.state',
    accountId: t.after.accountId,
    subjectId: t.after.orderId,
    beforeState: orderJson(t.before),
    afterState: orderJson(t.after),
  };
}

const BIGINT_FIELDS = new Set([
  'atMicros',
  'orderQty',
  'price',
  'stopPrice',
  'expireTimeMicros',
  'lastQty',
  'lastPx',
]);
// Event types are the table's triggers, with the two kinds of fill as one Fill, plus Submit.
const EVENT_TYPES = new Set<string>([
  'Submit',
  'Fill',
  ...LIFECYCLE_TRIGGERS.filter((t) => t !== 'PartialFill' && t !== 'FullFill'),
]);

/** A lifecycle event as JSON for the journal (bigints as decimal strings); `parseLifecycleEvent` reads it back. */
export function lifecycleEventJson(event: LifecycleEvent): string {
  return JSON.stringify(event, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

export function parseLifecycleEvent(json: string): LifecycleEvent {
  const event: unknown = JSON.parse(json, (key, value: unknown) => {
    if (!BIGINT_FIELDS.has(key)) return value;
    if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
      throw new OrdersError('INVALID_ORDER', `journaled event: ${key} is not an integer string`);
    }
    return BigInt(value);
  });
  const type = (event as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) {
    throw new OrdersError('INVALID_ORDER', `journaled event has unknown type ${String(type)}`);
  }
  return event as LifecycleEvent;
}
