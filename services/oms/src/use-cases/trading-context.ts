// What the use cases share: the oms state and its recorder, the journal writer, the services the
// oms calls, and configuration. Built once at start (oms.service.ts) and passed to each use case.
import { commonV1, tradingV1, type riskV1 } from '@tapeline/contracts';
import { formatFixed, isMultipleOf, rescale, FixedPointError, type FixedPoint } from '@tapeline/fixed-point';
import type { JournalActor, JournalDraft, JsonObject } from '@tapeline/journal';
import { DuplicateClOrdIdError, OrdersError, TransitionRefusedError, type Order } from '@tapeline/orders';
import type { Account, AccountDirectory } from '../accounts/account-directory';
import { OmsError } from '../errors';
import type { InstrumentCatalog, InstrumentSpec } from '../instruments/instrument-catalog';
import type { JournalWriter } from '../journal/journal-writer';
import type { RiskGateway } from '../risk/risk-gateway';
import type { VenueRegistry } from '../routing/venue-registry';
import type { VenueRouter } from '../routing/venue-router';
import type { LifecycleRecorder } from '../state/lifecycle-recorder';
import type { OmsState } from '../state/oms-state';

export interface TradingContext {
  readonly state: OmsState;
  readonly recorder: LifecycleRecorder;
  readonly writer: JournalWriter;
  readonly risk: RiskGateway;
  readonly instruments: InstrumentCatalog;
  readonly accounts: AccountDirectory;
  readonly router: VenueRouter;
  readonly venues: VenueRegistry;
  readonly locks: KeyedSerializer;
  /** UTC microseconds. */
  readonly clock: () => bigint;
}

/** Who asked, and the request id every journal entry of the request carries. */
export interface Requester {
  readonly actor: JournalActor;
  readonly requestId: string;
}

/** The oms's own actor: stop triggers, restart reconciliation. */
export const OMS_ACTOR: JournalActor = { userId: 'oms', clientId: 'oms', desk: '', role: 'system' };

export function venueActor(venue: string): JournalActor {
  return { userId: `venue:${venue}`, clientId: venue, desk: '', role: 'venue' };
}

/**
 * Runs async work one at a time per key (an account): a request sees the order state its
 * predecessors left, and a repeated ClOrdID waits for the first request to finish.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export function requireAccount(accounts: AccountDirectory, accountId: string): Account {
  if (!accountId) throw new OmsError('INVALID_ARGUMENT', 'account_id is required');
  const account = accounts.get(accountId);
  if (!account) throw new OmsError('INVALID_ARGUMENT', `account "${accountId}" is not configured in the oms`);
  return account;
}

/** A decimal of the request at the instrument's scale; more decimals than the scale is an error. */
export function atScale(value: FixedPoint, scale: number, field: string, instrumentId: string): bigint {
  try {
    return rescale(value, scale).mantissa;
  } catch (err) {
    if (err instanceof FixedPointError) {
      throw new OmsError(
        'INVALID_ARGUMENT',
        `${field} ${formatFixed(value)} does not fit ${instrumentId}'s scale ${scale}`,
      );
    }
    throw err;
  }
}

export function checkQuantity(qty: FixedPoint, instrument: InstrumentSpec, field = 'order_qty'): bigint {
  if (qty.mantissa <= 0n) throw new OmsError('INVALID_ARGUMENT', `${field} must be positive`);
  if (!isMultipleOf(qty, instrument.lotSize)) {
    throw new OmsError(
      'INVALID_ARGUMENT',
      `${field} ${formatFixed(qty)} is not a multiple of the lot size ${formatFixed(instrument.lotSize)}`,
    );
  }
  if (
    instrument.minSize.mantissa > 0n &&
    rescale(qty, Math.max(qty.scale, instrument.minSize.scale)).mantissa <
      rescale(instrument.minSize, Math.max(qty.scale, instrument.minSize.scale)).mantissa
  ) {
    throw new OmsError(
      'INVALID_ARGUMENT',
      `${field} ${formatFixed(qty)} is below the minimum size ${formatFixed(instrument.minSize)}`,
    );
  }
  return atScale(qty, instrument.sizeScale, field, instrument.instrumentId);
}

export function checkPrice(price: FixedPoint, instrument: InstrumentSpec, field = 'price'): bigint {
  if (price.mantissa <= 0n) throw new OmsError('INVALID_ARGUMENT', `${field} must be positive`);
  if (!isMultipleOf(price, instrument.tickSize)) {
    throw new OmsError(
      'INVALID_ARGUMENT',
      `${field} ${formatFixed(price)} is not a multiple of the tick size ${formatFixed(instrument.tickSize)}`,
    );
  }
  return atScale(price, instrument.priceScale, field, instrument.instrumentId);
}

/** The order a cancel or replace names, by order id or OrigClOrdID, within the account. */
export function findOrder(state: OmsState, accountId: string, orderId: string, origClOrdId: string): Order {
  let order: Order | undefined;
  if (orderId) order = state.orders.get(orderId);
  else if (origClOrdId) order = state.orders.findByClOrdId(accountId, origClOrdId);
  else throw new OmsError('INVALID_ARGUMENT', 'order_id or orig_cl_ord_id is required');
  if (!order || order.accountId !== accountId) {
    throw new OmsError(
      'NOT_FOUND',
      `account ${accountId} has no order ${orderId || `with ClOrdID "${origClOrdId}"`}`,
    );
  }
  return order;
}

/** Domain refusals in the caller's terms (the state machine names the state and the event). */
export function asOmsError(err: unknown): unknown {
  if (err instanceof TransitionRefusedError) return new OmsError('FAILED_PRECONDITION', err.message);
  if (err instanceof DuplicateClOrdIdError) return new OmsError('ALREADY_EXISTS', err.message);
  if (err instanceof OrdersError) {
    return new OmsError(
      err.code === 'UNKNOWN_ORDER'
        ? 'NOT_FOUND'
        : err.code === 'INVALID_ORDER'
          ? 'INVALID_ARGUMENT'
          : 'FAILED_PRECONDITION',
      err.message,
    );
  }
  return err;
}

/** Runs a domain call, turning its refusal into an OmsError. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asOmsError(err);
  }
}

export function enumName(value: number, names: Record<number, string>, prefix: string): string {
  return (names[value] ?? String(value)).replace(prefix, '');
}

export const sideName = (s: commonV1.Side) => enumName(s, commonV1.Side, 'SIDE_');
export const ordTypeName = (t: tradingV1.OrdType) => enumName(t, tradingV1.OrdType, 'ORD_TYPE_');
export const tifName = (t: tradingV1.TimeInForce) => enumName(t, tradingV1.TimeInForce, 'TIME_IN_FORCE_');

/** The journal document of a risk decision: accepted or not, and each rejection with its figures. */
export function decisionDocument(check: riskV1.CheckOrderResponse): JsonObject {
  return {
    accepted: check.accepted,
    checkMicros: check.checkMicros,
    rejections: check.rejections.map((r) => ({
      control: r.control,
      message: r.message,
      figures: { ...r.figures },
    })),
  };
}

export function rejectionText(rejections: readonly riskV1.RiskRejection[]): string {
  return `risk rejected: ${rejections.map((r) => `${r.control}: ${r.message}`).join('; ') || 'no reason given'}`;
}

/** Journal entry about one order (request, risk decision), with the request's actor and id. */
export function orderEntry(
  who: Requester,
  order: Pick<Order, 'orderId' | 'accountId' | 'instrumentId'>,
  kind: 'order.request' | 'risk.decision',
  after: JsonObject,
): JournalDraft {
  return {
    kind,
    actor: who.actor,
    requestId: who.requestId,
    accountId: order.accountId,
    subjectId: order.orderId,
    instrumentId: order.instrumentId,
    after,
  };
}
