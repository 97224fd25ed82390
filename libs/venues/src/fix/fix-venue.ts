// A FIX 4.4 execution venue through a jspurefix initiator session.
//
// Out: NewOrderSingle (D), OrderCancelRequest (F), OrderCancelReplaceRequest (G),
// OrderStatusRequest (H). In: ExecutionReport (8) and OrderCancelReject (9), turned into the
// lifecycle events of @tapeline/orders:
//   ExecType New -> Ack; Trade (F, or 4.2's 1/2) -> Fill(ExecID, LastQty, LastPx);
//   Canceled -> CancelAck when it answers our OrderCancelRequest, else VenueCancel (unsolicited:
//   IOC remainder, cancel-on-disconnect, venue action); Replaced -> ReplaceAck; Rejected -> Reject;
//   Expired -> Expire; OrderStatus (I) -> what the oms's view of the order misses (below);
//   PendingNew/PendingCancel/PendingReplace/Restated/DoneForDay -> nothing (no lifecycle step);
//   OrderCancelReject -> CancelReject or ReplaceReject by CxlRejResponseTo (434).
// A report the adapter cannot read (a price off the instrument's scale, an unknown ExecType, a
// trade bust) goes to `sink.onMalformed`, never silently away.
//
// Session: sequence numbers and every sent message are persisted by jspurefix's file store under
// `dataDir`, so a restarted venue logs on with the next MsgSeqNum (no ResetSeqNumFlag) and both
// sides recover what they missed through ResendRequest: the venue's execution reports come back
// with PossDupFlag=Y (an ExecID already applied is dropped here, and the oms drops repeated ExecIDs
// too); our own messages are resent from the store (recoverable-session.ts). Requests made while
// the session is down wait in an outbox and go out, in order, after the next logon; one older than
// `maxQueuedMs` is answered locally instead (Reject / CancelReject / ReplaceReject "not sent").
// A lost session is retried with backoff (@tapeline/fix-session's ReconnectingInitiator).
//
// Cancel-on-disconnect (`cancelOnDisconnect: true`) is asked for in the Logon with tag 8013=Y (a
// venue extension; FIX 4.4 has no standard field). The venue then cancels this session's open
// orders when the session drops; the oms learns of it from the unsolicited Canceled reports
// (VenueCancel) resent after the next logon, or from `requestStatus`. While such a venue is
// disconnected, the oms should treat its open orders as about to be cancelled.

import type { MsgView } from 'jspurefix';
import {
  CANCEL_ON_DISCONNECT_FIELD,
  fixTimestampMicros,
  initiatorDescription,
  ReconnectBackoff,
  ReconnectingInitiator,
  type FixInitiatorOptions,
} from '@tapeline/fix-session';
import { parseFixed } from '@tapeline/fixed-point';
import { divRoundHalfAwayFromZero, isTerminal, type Order, type OrderUpdateEvent } from '@tapeline/orders';
import { describeError, VenueError } from '../errors';
import type { ReplaceInstruction, Venue, VenueOrder, VenueSessionState, VenueSink } from '../venue';
import {
  EXECUTION_REPORT,
  ExecType,
  mantissa,
  NEW_ORDER_SINGLE,
  ORDER_CANCEL_REJECT,
  ORDER_CANCEL_REPLACE_REQUEST,
  ORDER_CANCEL_REQUEST,
  ORDER_STATUS_REQUEST,
  OrdStatus,
  newOrderSingle,
  orderCancelReplaceRequest,
  orderCancelRequest,
  orderStatusRequest,
  readReport,
  type VenueReport,
} from './fix-wire';
import type { RecoverableSession } from './recoverable-session';

export interface FixVenueOptions extends FixInitiatorOptions {
  /** Venue name, as routing and session states know it. Default "fix". */
  readonly name?: string;
  /** Where the FIX session store keeps sequence numbers and sent messages (one directory per venue). */
  readonly dataDir: string;
  /** Ask the venue (Logon 8013=Y) to cancel this session's orders when the session drops. Default false. */
  readonly cancelOnDisconnect?: boolean;
  /** Start each logon from MsgSeqNum 1 (ResetSeqNumFlag=Y), for venues that reset daily. Default false. */
  readonly resetOnLogon?: boolean;
  /** How long a request may wait in the outbox for the session to come back. Default 10 000 ms. */
  readonly maxQueuedMs?: number;
  /** Outbox capacity; a request beyond it is refused with VenueError SESSION. Default 10 000. */
  readonly maxQueued?: number;
  /** UTC microseconds: TransactTime (60) of requests and the time of locally made answers. */
  readonly clock?: () => bigint;
}

/** What an adapter needs to read reports of an order: its id and scales. */
interface OrderRef {
  readonly orderId: string;
  readonly priceScale: number;
  readonly sizeScale: number;
}

interface Queued {
  readonly msgType: string;
  readonly body: object;
  readonly queuedAtMs: number;
  /** The local answer when it cannot be sent in time (null: none needed). */
  readonly refusal: ((text: string) => OrderUpdateEvent) | null;
}

export class FixVenue implements Venue {
  readonly name: string;
  readonly cancelOnDisconnect: boolean;
  private readonly initiator: ReconnectingInitiator<RecoverableSession>;
  private readonly clock: () => bigint;
  private readonly maxQueuedMs: number;
  private readonly maxQueued: number;
  /** Every ClOrdID the oms used (orders, cancels, replaces) -> its order. */
  private readonly byClOrdId = new Map<string, OrderRef>();
  /** OrderID (37) the venue gave each order, for cancel/replace/status requests. */
  private readonly venueOrderIds = new Map<string, string>();
  /** ClOrdIDs of our OrderCancelRequests: their Canceled report is a CancelAck. */
  private readonly cancelRequests = new Set<string>();
  /** The oms's view of an order at its status request, by order id. */
  private readonly statusRequests = new Map<string, Order>();
  private readonly seenExecIds = new Set<string>();
  /** Reports for ClOrdIDs not (yet) known: kept until the order is registered (restore/requestStatus). */
  private readonly unmatched = new Map<string, VenueReport[]>();
  private readonly outbox: Queued[] = [];
  private outboxTimer: NodeJS.Timeout | null = null;
  private statusSeq = 0;
  private sink: VenueSink | null = null;

  constructor(options: FixVenueOptions) {
    if (!options.senderCompId || !options.targetCompId) {
      throw new VenueError('CONFIG', 'FIX venue needs senderCompId and targetCompId');
    }
    if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
      throw new VenueError('CONFIG', `FIX port must be 1..65535, got ${options.port}`);
    }
    if (!options.dataDir) throw new VenueError('CONFIG', 'FIX venue needs a dataDir for its session store');
    const backoffProblem = ReconnectBackoff.problem(options.backoff);
    if (backoffProblem !== null) throw new VenueError('CONFIG', backoffProblem);
    this.name = options.name ?? 'fix';
    this.cancelOnDisconnect = options.cancelOnDisconnect ?? false;
    this.clock = options.clock ?? (() => BigInt(Date.now()) * 1000n);
    this.maxQueuedMs = options.maxQueuedMs ?? 10_000;
    this.maxQueued = options.maxQueued ?? 10_000;
    const description = initiatorDescription(options, {
      name: `${this.name}-orders`,
      resetSeqNumOnLogon: options.resetOnLogon ?? false,
      ...(this.cancelOnDisconnect ? { logon: { [CANCEL_ON_DISCONNECT_FIELD]: 'Y' } } : {}),
    });
    this.initiator = new ReconnectingInitiator(
      {
        description,
        backoff: new ReconnectBackoff(options.backoff),
        logFactory: options.logFactory,
        stopReason: `${this.name} venue stopping`,
        loadSession: async () => {
          const { RecoverableSession } = await import('./recoverable-session');
          return (config, events) => new RecoverableSession(config, events, options.dataDir);
        },
      },
      {
        onLoggedOn: (session) => this.onLoggedOn(session),
        onApplicationMessage: (msgType, view, text) => this.onApplicationMessage(msgType, view, text),
        onDisconnected: (reason) => this.state('disconnected', reason),
        onReconnecting: (attempt, delayMs) =>
          this.state('reconnecting', `attempt ${attempt} in ${delayMs} ms`),
      },
    );
  }

  /**
   * After a restart, before `start`: the orders still working at this venue, so that execution
   * reports resent right after the logon find their order (then call `requestStatus` for each).
   */
  restore(orders: Iterable<VenueOrder>): void {
    for (const { order } of orders) this.register(order);
  }

  /** The live session's sequence numbers (null while down): the next MsgSeqNum out, the one expected in. */
  sequenceNumbers(): { nextOutgoing: number; expectedIncoming: number; venueLogon: number } | null {
    const s = this.initiator.loggedOnSession;
    if (s === null) return null;
    return {
      nextOutgoing: s.nextOutgoingSeqNum,
      expectedIncoming: s.expectedIncomingSeqNum,
      venueLogon: s.peerLogonSeqNum,
    };
  }

  /** Resolves once the first session attempt has settled (logged on or failed); retries go on in the background. */
  async start(sink: VenueSink): Promise<void> {
    if (this.initiator.running) throw new VenueError('CONFIG', `${this.name} is already started`);
    this.sink = sink;
    await this.initiator.start();
  }

  async stop(): Promise<void> {
    if (!this.initiator.running) return;
    await this.initiator.stop();
    this.refuseQueued(`${this.name} stopped before the session came back`, () => true);
    this.sink?.onSessionState(this.name, 'disconnected', 'stopped');
    this.sink = null;
  }

  submit({ order, venueSymbol }: VenueOrder): Promise<void> {
    this.register(order);
    const body = newOrderSingle(order, venueSymbol, this.clock());
    return this.send(NEW_ORDER_SINGLE, body, (text) => ({
      type: 'Reject',
      orderId: order.orderId,
      atMicros: this.clock(),
      text,
    }));
  }

  cancel({ order, venueSymbol }: VenueOrder, cancelClOrdId: string): Promise<void> {
    this.register(order, cancelClOrdId);
    this.cancelRequests.add(cancelClOrdId);
    const venueOrderId = this.venueOrderIds.get(order.orderId);
    const body = orderCancelRequest(order, venueSymbol, cancelClOrdId, venueOrderId, this.clock());
    return this.send(ORDER_CANCEL_REQUEST, body, (text) => ({
      type: 'CancelReject',
      orderId: order.orderId,
      atMicros: this.clock(),
      text,
    }));
  }

  replace({ order, venueSymbol }: VenueOrder, replace: ReplaceInstruction): Promise<void> {
    this.register(order, replace.clOrdId);
    const venueOrderId = this.venueOrderIds.get(order.orderId);
    const body = orderCancelReplaceRequest(order, venueSymbol, replace, venueOrderId, this.clock());
    return this.send(ORDER_CANCEL_REPLACE_REQUEST, body, (text) => ({
      type: 'ReplaceReject',
      orderId: order.orderId,
      atMicros: this.clock(),
      text,
    }));
  }

  /**
   * OrderStatusRequest. The answer (ExecType I) is compared with `order` as given here: Ack if the
   * oms has none; ReplaceAck if the venue carries the pending replace's ClOrdID; one Fill for the
   * CumQty the oms lacks (LastPx from the venue's AvgPx and the oms's filled notional, ExecID of
   * the status report: FIX status carries no per-fill ExecIDs, those come back by resend); then
   * CancelAck/VenueCancel/Expire/Reject if the venue says the order is done and the oms does not.
   */
  requestStatus({ order, venueSymbol }: VenueOrder): Promise<void> {
    this.register(order);
    this.statusRequests.set(order.orderId, order);
    const reqId = `${this.name}-status-${++this.statusSeq}`;
    const body = orderStatusRequest(order, venueSymbol, reqId, this.venueOrderIds.get(order.orderId));
    return this.send(ORDER_STATUS_REQUEST, body, null);
  }

  private register(order: Order, requestClOrdId?: string): void {
    const ref: OrderRef = {
      orderId: order.orderId,
      priceScale: order.priceScale,
      sizeScale: order.sizeScale,
    };
    const ids = [order.clOrdId, order.origClOrdId, order.pending?.clOrdId, requestClOrdId];
    for (const id of ids) {
      if (!id) continue;
      this.byClOrdId.set(id, ref);
      const waiting = this.unmatched.get(id);
      if (waiting !== undefined) {
        this.unmatched.delete(id);
        for (const report of waiting) this.onReport(report);
      }
    }
    if (order.pending?.kind === 'cancel') this.cancelRequests.add(order.pending.clOrdId);
  }

  private async send(
    msgType: string,
    body: object,
    refusal: ((text: string) => OrderUpdateEvent) | null,
  ): Promise<void> {
    const session = this.initiator.loggedOnSession;
    if (session !== null && this.outbox.length === 0) {
      try {
        await session.sendApplication(msgType, body);
        return;
      } catch {
        // The session went down under us: the outbox takes it to the next session.
      }
    }
    if (this.outbox.length >= this.maxQueued) {
      throw new VenueError(
        'SESSION',
        `${this.name}: ${this.outbox.length} requests already wait for the session`,
      );
    }
    this.outbox.push({ msgType, body, queuedAtMs: Date.now(), refusal });
    this.outboxTimer ??= setInterval(() => this.expireQueued(), Math.min(1000, this.maxQueuedMs)).unref();
  }

  private expireQueued(): void {
    const limit = Date.now() - this.maxQueuedMs;
    this.refuseQueued(
      `not sent: the FIX session to ${this.name} was down for more than ${this.maxQueuedMs} ms`,
      (q) => q.queuedAtMs < limit,
    );
  }

  private refuseQueued(text: string, which: (q: Queued) => boolean): void {
    const kept = this.outbox.filter((q) => !which(q));
    const refused = this.outbox.filter(which);
    this.outbox.splice(0, this.outbox.length, ...kept);
    if (this.outbox.length === 0 && this.outboxTimer !== null) {
      clearInterval(this.outboxTimer);
      this.outboxTimer = null;
    }
    for (const q of refused) if (q.refusal) this.sink?.onEvent(q.refusal(text));
  }

  private async flushOutbox(session: RecoverableSession): Promise<void> {
    this.expireQueued();
    while (this.outbox.length > 0 && this.initiator.loggedOnSession === session) {
      const next = this.outbox[0]!;
      try {
        await session.sendApplication(next.msgType, next.body);
      } catch {
        return; // session lost again: the rest waits for the next one
      }
      this.outbox.shift();
    }
    if (this.outbox.length === 0 && this.outboxTimer !== null) {
      clearInterval(this.outboxTimer);
      this.outboxTimer = null;
    }
  }

  private onLoggedOn(session: RecoverableSession): void {
    this.state('connected');
    void this.flushOutbox(session);
  }

  private onApplicationMessage(msgType: string, view: MsgView, text: string): void {
    if (msgType === EXECUTION_REPORT || msgType === ORDER_CANCEL_REJECT) {
      this.onReport(readReport(msgType, view, text));
    } else {
      this.malformed(`unexpected application message 35=${msgType}`, text);
    }
  }

  private onReport(report: VenueReport): void {
    if (!this.initiator.running) return;
    const ref = this.byClOrdId.get(report.clOrdId) ?? this.byClOrdId.get(report.origClOrdId);
    if (ref === undefined) {
      const waiting = this.unmatched.get(report.clOrdId) ?? [];
      waiting.push(report);
      this.unmatched.set(report.clOrdId, waiting);
      this.malformed(
        `report for unknown ClOrdID "${report.clOrdId}": kept until restore/requestStatus names its order`,
        report.raw,
      );
      return;
    }
    if (report.msgType === EXECUTION_REPORT && report.execId !== '') {
      if (this.seenExecIds.has(report.execId)) return; // a resend (PossDupFlag) of what was applied
      this.seenExecIds.add(report.execId);
    }
    if (report.venueOrderId !== '' && report.venueOrderId !== 'NONE') {
      this.venueOrderIds.set(ref.orderId, report.venueOrderId);
    }
    let events: OrderUpdateEvent[];
    try {
      events = this.toEvents(report, ref);
    } catch (err) {
      this.malformed(describeError(err), report.raw);
      return;
    }
    for (const e of events) this.sink?.onEvent(e);
  }

  private toEvents(r: VenueReport, ref: OrderRef): OrderUpdateEvent[] {
    const base = {
      orderId: ref.orderId,
      atMicros: r.transactTime ? fixTimestampMicros(r.transactTime, 'TransactTime (60)') : this.clock(),
    };
    if (r.msgType === ORDER_CANCEL_REJECT) {
      this.cancelRequests.delete(r.clOrdId);
      const text = r.text || `${this.name} refused the request ${r.clOrdId}`;
      return [{ ...base, type: r.cxlRejResponseTo === '2' ? 'ReplaceReject' : 'CancelReject', text }];
    }
    switch (r.execType) {
      case ExecType.New:
        return [{ ...base, type: 'Ack' }];
      case ExecType.Trade:
      case ExecType.PartialFill42:
      case ExecType.Fill42:
        if (r.execId === '') throw new VenueError('MALFORMED_REPORT', 'a trade report without ExecID (17)');
        return [
          {
            ...base,
            type: 'Fill',
            execId: r.execId,
            lastQty: mantissa('LastQty (32)', r.lastQty, ref.sizeScale),
            lastPx: mantissa('LastPx (31)', r.lastPx, ref.priceScale),
          },
        ];
      case ExecType.Canceled:
        if (this.cancelRequests.delete(r.clOrdId)) return [{ ...base, type: 'CancelAck' }];
        return [{ ...base, type: 'VenueCancel', text: r.text || `cancelled by ${this.name}` }];
      case ExecType.Replaced:
        return [{ ...base, type: 'ReplaceAck' }];
      case ExecType.Rejected:
        return [{ ...base, type: 'Reject', text: r.text || `rejected by ${this.name}` }];
      case ExecType.Expired:
        return [{ ...base, type: 'Expire' }];
      case ExecType.OrderStatus:
        return this.reconcile(r, ref, base.atMicros);
      case ExecType.PendingNew:
      case ExecType.PendingCancel:
      case ExecType.PendingReplace:
      case ExecType.Restated:
      case ExecType.DoneForDay:
      case ExecType.Calculated:
        return [];
      default:
        throw new VenueError('MALFORMED_REPORT', `ExecType (150) "${r.execType}" is not handled`);
    }
  }

  /** An OrderStatus report against the oms's view of the order at the request. */
  private reconcile(r: VenueReport, ref: OrderRef, atMicros: bigint): OrderUpdateEvent[] {
    const o = this.statusRequests.get(ref.orderId);
    if (o === undefined) return []; // unsolicited status: nothing to compare with
    this.statusRequests.delete(ref.orderId);
    const base = { orderId: ref.orderId, atMicros };
    const events: OrderUpdateEvent[] = [];
    const status = r.ordStatus;
    if (!o.acknowledged && status !== OrdStatus.Rejected) events.push({ ...base, type: 'Ack' });
    if (o.pending?.kind === 'replace' && r.clOrdId === o.pending.clOrdId)
      events.push({ ...base, type: 'ReplaceAck' });
    const venueCum = mantissa('CumQty (14)', r.cumQty, ref.sizeScale);
    if (venueCum > o.cumQty) {
      const missing = venueCum - o.cumQty;
      events.push({
        ...base,
        type: 'Fill',
        execId: r.execId || `${this.name}-status-${ref.orderId}-${venueCum}`,
        lastQty: missing,
        lastPx: missedFillPx(r.avgPx, venueCum, missing, o),
      });
    }
    if (!isTerminal(o.status)) {
      if (status === OrdStatus.Canceled) {
        events.push(
          o.pending?.kind === 'cancel'
            ? { ...base, type: 'CancelAck' }
            : { ...base, type: 'VenueCancel', text: r.text || `cancelled at ${this.name} (order status)` },
        );
      } else if (status === OrdStatus.Expired) {
        events.push({ ...base, type: 'Expire' });
      } else if (status === OrdStatus.Rejected && !o.acknowledged) {
        events.push({ ...base, type: 'Reject', text: r.text || `rejected by ${this.name} (order status)` });
      }
    }
    return events;
  }

  private malformed(reason: string, raw: string): void {
    // eslint-disable-next-line no-control-regex -- SOH is the FIX field delimiter
    this.sink?.onMalformed?.(this.name, reason, raw.replace(/\x01/g, '|'));
  }

  private state(state: VenueSessionState, reason?: string): void {
    if (this.initiator.running) this.sink?.onSessionState(this.name, state, reason);
  }
}

/**
 * LastPx of the fills the oms missed, from the venue's AvgPx: (AvgPx x CumQty - the oms's filled
 * notional) / missing quantity, rounded half away from zero to the price scale.
 */
function missedFillPx(avgPxText: string | null, venueCum: bigint, missing: bigint, o: Order): bigint {
  if (avgPxText === null) throw new VenueError('MALFORMED_REPORT', 'AvgPx (6) is missing');
  let avg;
  try {
    avg = parseFixed(avgPxText);
  } catch (err) {
    throw new VenueError('MALFORMED_REPORT', `AvgPx (6) "${avgPxText}": ${describeError(err)}`);
  }
  const scale = Math.max(avg.scale, o.priceScale);
  const venueNotional = avg.mantissa * 10n ** BigInt(scale - avg.scale) * venueCum;
  const omsNotional = o.filledNotional * 10n ** BigInt(scale - o.priceScale);
  return divRoundHalfAwayFromZero(venueNotional - omsNotional, missing * 10n ** BigInt(scale - o.priceScale));
}
