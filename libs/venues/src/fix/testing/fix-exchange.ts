// Test support (not exported from the package): a FIX 4.4 acceptor acting as the exchange. It
// keeps orders by ClOrdID and answers D with New (then the fills its plan says), F with Canceled,
// G with Replaced, H with the order's status, and unknown orders with OrderCancelReject. Its
// session store is a file store, so it can be restarted with its sequence numbers. Reports made
// while no session is up (cancel-on-disconnect, fills) are stored as sent, with the next MsgSeqNum,
// and reach the initiator through its ResendRequest after the next logon: what a real venue does.

import 'reflect-metadata'; // tsyringe, under jspurefix, needs it before it loads
import {
  FixMsgStoreRecord,
  MsgType,
  type FixEntity,
  type IJsFixConfig,
  type ILooseObject,
  type JsFixLoggerFactory,
  type MsgView,
} from 'jspurefix';
import { acceptorDescription, CANCEL_ON_DISCONNECT_TAG, type SessionEvents } from '@tapeline/fix-session';
import { startFixEntity } from '@tapeline/fix-session/runtime';
import { formatFixed, parseFixed } from '@tapeline/fixed-point';
import { RecoverableSession } from '../recoverable-session';

export interface ExchangeOrder {
  readonly orderId: string;
  clOrdId: string;
  readonly clOrdIds: string[];
  readonly symbol: string;
  readonly side: string;
  orderQty: number;
  price: string;
  cumQty: number;
  /** Sum of qty x price mantissa (at the price's written scale): AvgPx = notional / cumQty. */
  notional: bigint;
  ordStatus: string;
}

/** One received message: its type and MsgSeqNum, and the tags a test looks at. */
export interface Received {
  readonly msgType: string;
  readonly seqNum: number;
  readonly possDup: boolean;
  readonly fields: Record<number, string | null>;
}

class ExchangeSession extends RecoverableSession {
  cancelOnDisconnect = false;

  constructor(
    config: IJsFixConfig,
    events: SessionEvents,
    storeDir: string,
    private readonly exchange: FixExchange,
  ) {
    super(config, events, storeDir);
  }

  /** Encodes a message and stores it as sent without a transport under it: it exists only for resends. */
  async storeAsSent(msgType: string, body: object): Promise<void> {
    const tx = this.transport!.transmitter as unknown as {
      encodeMessage(t: string, o: object): ILooseObject | null;
      buffer: { toString(): string };
      msgSeqNum: number;
    };
    const header = tx.encodeMessage(msgType, body)!;
    const record = new FixMsgStoreRecord(
      msgType,
      new Date(),
      header['MsgSeqNum'] as number,
      undefined,
      tx.buffer.toString(),
    );
    // The next outgoing MsgSeqNum is persisted when our Logon, encoded right after, goes out.
    await this.sessionStore.put(record);
  }

  sendMessage(msgType: string, body: object): void {
    this.send(msgType, body as ILooseObject);
  }

  protected override onLogon(view: MsgView): boolean {
    this.cancelOnDisconnect = view.getString(CANCEL_ON_DISCONNECT_TAG) === 'Y';
    // Before our Logon goes out: what was "sent" while the initiator was away takes its MsgSeqNums.
    for (const { msgType, body } of this.exchange.takeUnsent()) void this.storeAsSent(msgType, body);
    return true;
  }

  protected override onStopped(): void {
    if (this.exchange.session === this) this.exchange.session = null;
    if (this.cancelOnDisconnect) this.exchange.cancelAllOpen('cancel on disconnect');
  }
}

export interface FixExchangeOptions {
  readonly port: number;
  readonly storeDir: string;
  /** Quantities to fill at the limit price right after the New of each order. Default: none. */
  readonly plan?: (order: ExchangeOrder) => number[];
  /** jspurefix session-layer logging, for debugging. Default: none. */
  readonly logFactory?: JsFixLoggerFactory;
}

export class FixExchange {
  readonly orders = new Map<string, ExchangeOrder>();
  readonly received: Received[] = [];
  session: ExchangeSession | null = null;
  private readonly unsent: { msgType: string; body: object }[] = [];
  private entity: FixEntity | null = null;
  private done: Promise<unknown> = Promise.resolve();
  private seq = 0;
  /** Highest MsgSeqNum of an application message handled: a PossDup at or below it is a resend. */
  private handledSeq = 0;

  constructor(private readonly options: FixExchangeOptions) {}

  async start(): Promise<void> {
    const description = acceptorDescription({
      port: this.options.port,
      senderCompId: 'EXCHANGE',
      targetCompId: 'TAPELINE',
      name: 'exchange',
      resetSeqNumOnLogon: false,
    });
    const { entity, done } = await startFixEntity(description, this.options.logFactory, (config) => {
      const session: ExchangeSession = new ExchangeSession(
        config,
        {
          onInbound: (msgType, view) => this.record(msgType, view),
          onLoggedOn: () => (this.session = session),
          onApplicationMessage: (msgType, view) => this.onRequest(session, msgType, view),
        },
        this.options.storeDir,
        this,
      );
      return session;
    });
    this.entity = entity;
    this.done = done.catch(() => undefined);
  }

  /** Stops listening and drops the session without a Logout (an exchange crash). */
  async stop(): Promise<void> {
    if (this.session !== null) {
      this.session.cancelOnDisconnect = false; // our own crash is no disconnect of the client
      this.session.requestStop('exchange going down');
    }
    this.session = null;
    (this.entity as unknown as { stop(): void } | null)?.stop();
    await this.done;
  }

  /** Initiator Logons seen, with their MsgSeqNum. */
  logons(): Received[] {
    return this.received.filter((r) => r.msgType === MsgType.Logon);
  }

  /** Asks the initiator to resend everything from `begin` (ResendRequest, EndSeqNo 0). */
  askResend(begin: number): void {
    this.session!.sendMessage(MsgType.ResendRequest, { BeginSeqNo: begin, EndSeqNo: 0 });
  }

  takeUnsent(): { msgType: string; body: object }[] {
    return this.unsent.splice(0);
  }

  /** Fills an order now (or, with no session, stores the report for the next one). */
  fill(clOrdId: string, qty: number, lastPx?: string): void {
    const o = this.find(clOrdId)!;
    o.cumQty += qty;
    o.notional += BigInt(qty) * parseFixed(o.price).mantissa;
    o.ordStatus = o.cumQty >= o.orderQty ? '2' : '1';
    this.report(o, {
      ExecType: 'F',
      ExecID: `EX-T${++this.seq}`,
      LastQty: String(qty),
      LastPx: lastPx ?? o.price,
    });
  }

  cancelAllOpen(text: string): void {
    for (const o of this.orders.values()) {
      if (o.ordStatus !== '0' && o.ordStatus !== '1') continue;
      o.ordStatus = '4';
      this.report(o, { ExecType: '4', ExecID: `EX-C${++this.seq}`, Text: text });
    }
  }

  onRequest(session: ExchangeSession, msgType: string, view: MsgView): void {
    const seqNum = Number(view.getString(34));
    if (view.getString(43) === 'Y' && seqNum <= this.handledSeq) return; // a resend of what we handled
    this.handledSeq = Math.max(this.handledSeq, seqNum);
    const s = (tag: number) => view.getString(tag) ?? '';
    switch (msgType) {
      case MsgType.NewOrderSingle: {
        const o: ExchangeOrder = {
          orderId: `EX-${this.orders.size + 1}`,
          clOrdId: s(11),
          clOrdIds: [s(11)],
          symbol: s(55),
          side: s(54),
          orderQty: Number(s(38)),
          price: s(44),
          cumQty: 0,
          notional: 0n,
          ordStatus: '0',
        };
        this.orders.set(o.orderId, o);
        this.report(o, { ExecType: '0', ExecID: `EX-N${++this.seq}` });
        for (const qty of this.options.plan?.(o) ?? []) this.fill(o.clOrdId, qty);
        return;
      }
      case MsgType.OrderCancelRequest:
      case MsgType.OrderCancelReplaceRequest: {
        const replace = msgType === MsgType.OrderCancelReplaceRequest;
        const o = this.find(s(41));
        if (o === undefined || o.ordStatus === '2' || o.ordStatus === '4') {
          session.sendMessage(MsgType.OrderCancelReject, {
            OrderID: o?.orderId ?? 'NONE',
            ClOrdID: s(11),
            OrigClOrdID: s(41),
            OrdStatus: o?.ordStatus ?? '8',
            CxlRejResponseTo: replace ? '2' : '1',
            CxlRejReason: o === undefined ? 1 : 0,
            Text: o === undefined ? `unknown order ${s(41)}` : 'too late',
          });
          return;
        }
        const orig = o.clOrdId;
        o.clOrdId = s(11);
        o.clOrdIds.push(o.clOrdId);
        if (replace) {
          o.orderQty = Number(s(38));
          o.price = s(44) || o.price;
          o.ordStatus = o.cumQty >= o.orderQty ? '2' : o.cumQty > 0 ? '1' : '0';
          this.report(o, { ExecType: '5', ExecID: `EX-R${++this.seq}`, OrigClOrdID: orig });
        } else {
          o.ordStatus = '4';
          this.report(o, { ExecType: '4', ExecID: `EX-X${++this.seq}`, OrigClOrdID: orig });
        }
        return;
      }
      case MsgType.OrderStatusRequest: {
        const o = this.find(s(11));
        if (o !== undefined)
          this.report(o, { ExecType: 'I', ExecID: `EX-S${++this.seq}`, OrdStatusReqID: s(790) });
        return;
      }
    }
  }

  private record(msgType: string, view: MsgView): void {
    this.received.push({
      msgType,
      seqNum: Number(view.getString(34)),
      possDup: view.getString(43) === 'Y',
      fields: Object.fromEntries(
        [1, 7, 11, 16, 36, 38, 40, 41, 44, 54, 55, 59, 123].map((t) => [t, view.getString(t)]),
      ),
    });
  }

  private find(clOrdId: string): ExchangeOrder | undefined {
    for (const o of this.orders.values()) if (o.clOrdIds.includes(clOrdId)) return o;
    return undefined;
  }

  private report(o: ExchangeOrder, fields: object): void {
    const done = o.ordStatus === '2' || o.ordStatus === '4';
    const body = {
      OrderID: o.orderId,
      ClOrdID: o.clOrdId,
      OrdStatus: o.ordStatus,
      Instrument: { Symbol: o.symbol },
      Side: o.side,
      OrderQtyData: { OrderQty: String(o.orderQty) },
      Price: o.price,
      LeavesQty: String(done ? 0 : o.orderQty - o.cumQty),
      CumQty: String(o.cumQty),
      AvgPx: o.cumQty === 0 ? '0' : avgPx(o),
      TransactTime: new Date(),
      ...fields,
    };
    if (this.session === null) this.unsent.push({ msgType: MsgType.ExecutionReport, body });
    else this.session.sendMessage(MsgType.ExecutionReport, body);
  }
}

/** notional / CumQty with 4 more decimals than the price (a venue's AvgPx is finer than its tick). */
function avgPx(o: ExchangeOrder): string {
  const scale = parseFixed(o.price).scale;
  return formatFixed({ mantissa: (o.notional * 10_000n) / BigInt(o.cumQty), scale: scale + 4 });
}
