// What cancel and replace share: both name an existing order under a new ClOrdID, are refused by
// the state machine in some states (journaled with the reason), and are idempotent on the ClOrdID.
import type { JsonObject } from '@tapeline/journal';
import { transition, type Order, type OrderUpdateEvent } from '@tapeline/orders';
import { OmsError } from '../errors';
import { asOmsError, orderEntry, type Requester, type TradingContext } from './trading-context';

export interface AmendCommand extends Requester {
  readonly accountId: string;
  /** ClOrdID of this cancel or replace request. */
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly orderId: string;
}

/**
 * The same request again (same ClOrdID, same content) answers with the order as it stands;
 * the ClOrdID of another request is refused. Undefined when the ClOrdID is new.
 */
export function repeatedRequest(
  ctx: TradingContext,
  cmd: AmendCommand,
  event: OrderUpdateEvent,
): Order | undefined {
  if (!cmd.clOrdId) throw new OmsError('INVALID_ARGUMENT', 'cl_ord_id is required');
  if (ctx.state.orders.findByClOrdId(cmd.accountId, cmd.clOrdId) === undefined) return undefined;
  try {
    // The store recognises the repeat before any transition: nothing is applied here.
    ctx.recorder.record(event, { actor: cmd.actor, requestId: cmd.requestId, source: 'oms' });
  } catch (err) {
    throw asOmsError(err);
  }
  return ctx.state.orders.require(event.orderId);
}

/**
 * Checks the request against the state machine without applying it. A refusal is journaled
 * (the request and why it was refused) and thrown as FAILED_PRECONDITION naming state and event.
 */
export async function refuseIfNotAllowed(
  ctx: TradingContext,
  cmd: AmendCommand,
  order: Order,
  event: OrderUpdateEvent,
  request: JsonObject,
): Promise<void> {
  let refusal: unknown;
  try {
    transition(order, event);
    return;
  } catch (err) {
    refusal = asOmsError(err);
  }
  if (!(refusal instanceof OmsError)) throw refusal;
  ctx.writer.append(orderEntry(cmd, order, 'order.request', { ...request, refused: refusal.message }));
  await ctx.writer.durable();
  throw refusal;
}

/** The request entry of an accepted cancel/replace. */
export function journalRequest(
  ctx: TradingContext,
  cmd: AmendCommand,
  order: Order,
  request: JsonObject,
): void {
  ctx.state.noteRequest(order.orderId, cmd.requestId);
  ctx.writer.append(orderEntry(cmd, order, 'order.request', request));
}
