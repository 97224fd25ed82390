// A FIX session whose sequence numbers and sent messages persist under a directory, and whose
// ResendRequest answers come from there.
//
// jspurefix (5.11) persists sequence numbers and every sent message in its file store
// (durable-file-store.ts), so a restarted session logs on with the next MsgSeqNum instead of 1.
// Its own ResendRequest handler, though, reads an in-memory store that nothing fills, and would
// answer every request with one gap fill: the counterparty would never get the execution reports
// (or orders) it missed. This class answers from the persisted store instead: application
// messages are resent with PossDupFlag=Y and OrigSendingTime, session messages (Logon,
// Heartbeat, ...) are skipped with SequenceReset-GapFill, as FIX requires.
// It also keeps a resend from rewinding the persisted outgoing MsgSeqNum.

import 'reflect-metadata'; // tsyringe, under jspurefix, needs it before it loads
import {
  AsciiParser,
  DITokens,
  ElasticBuffer,
  MsgTag,
  MsgType,
  SessionState,
  type IFixMsgStoreRecord,
  type IJsFixConfig,
  type ILooseObject,
  type MsgView,
} from 'jspurefix';
import type { SessionEvents } from '@tapeline/fix-session';
import { SessionShell } from '@tapeline/fix-session/runtime';
import { DurableFileStoreFactory } from './durable-file-store';

const SESSION_MESSAGES = new Set<string>([
  MsgType.Logon,
  MsgType.Logout,
  MsgType.ResendRequest,
  MsgType.Heartbeat,
  MsgType.TestRequest,
  MsgType.SequenceReset,
  MsgType.Reject,
]);
const SOH = '\x01';

export class RecoverableSession extends SessionShell {
  private parser: AsciiParser | null = null;
  /** MsgSeqNum of the counterparty's Logon (to show that sequence numbers continue after a restart). */
  peerLogonSeqNum = 0;

  /** `storeDir`: where the session store keeps sequence numbers and sent messages. */
  constructor(config: IJsFixConfig, events: SessionEvents, storeDir: string) {
    config.sessionStoreFactory = new DurableFileStoreFactory(storeDir); // read by AsciiSession's constructor
    super(config, events);
  }

  /** MsgSeqNum of the next new (not resent) outbound message. */
  get nextOutgoingSeqNum(): number {
    const transmitter = this.transport?.transmitter as { msgSeqNum?: number } | undefined;
    return transmitter?.msgSeqNum ?? this.coordinator.nextSenderSeqNum;
  }

  /** MsgSeqNum expected on the next inbound message. */
  get expectedIncomingSeqNum(): number {
    return this.sessionState.lastPeerMsgSeqNum + 1;
  }

  protected override onMsg(msgType: string, view: MsgView): void {
    if (msgType === MsgType.Logon) this.peerLogonSeqNum = Number(view.getString(34));
    super.onMsg(msgType, view);
  }

  protected override onResendRequest(view: MsgView): void {
    const [begin, requestedEnd] = view.getTypedTags([MsgTag.BeginSeqNo, MsgTag.EndSeqNo]) as number[];
    const end = requestedEnd === 0 ? this.sessionState.lastSentSeqNum() : requestedEnd!;
    this.setState(SessionState.HandleResendRequest);
    this.resend(begin!, end)
      .catch((err: unknown) => this.requestStop(`resend ${begin}..${end} failed: ${String(err)}`))
      .finally(() => {
        if (this.getState() === SessionState.HandleResendRequest)
          this.setState(SessionState.ActiveNormalSession);
      });
  }

  private async resend(begin: number, end: number): Promise<void> {
    const records = await this.sessionStore.getRange(begin, end);
    let next = begin;
    for (const record of records) {
      if (record.seqNum < next || SESSION_MESSAGES.has(record.msgType)) continue;
      const message = record.encoded ? this.parse(record.encoded) : null;
      if (message === null) continue; // unreadable: covered by the gap fill
      if (record.seqNum > next) this.gapFill(next, record.seqNum);
      this.resendOne(record, message);
      next = record.seqNum + 1;
    }
    if (next <= end) this.gapFill(next, end + 1);
  }

  private resendOne(record: IFixMsgStoreRecord, message: ILooseObject): void {
    // The trailer (CheckSum) is recomputed; the transmitter moves SendingTime to OrigSendingTime
    // and keeps MsgSeqNum when PossDupFlag is set.
    const { StandardHeader: header, StandardTrailer: _trailer, ...body } = message;
    this.send(record.msgType, {
      ...body,
      StandardHeader: { ...(header as ILooseObject), MsgSeqNum: record.seqNum, PossDupFlag: true },
    });
  }

  private gapFill(from: number, newSeqNo: number): void {
    this.send(MsgType.SequenceReset, {
      StandardHeader: { MsgSeqNum: from, PossDupFlag: true },
      GapFillFlag: true,
      NewSeqNo: newSeqNo,
    });
  }

  private parse(encoded: string): ILooseObject | null {
    this.parser ??= this.storeParser();
    const parser = this.parser;
    let message: ILooseObject | null = null;
    const onMsg = (_type: string, view: MsgView) => {
      message = view.toObject() as ILooseObject;
      this.keepWireText(message, view);
    };
    parser.on('msg', onMsg);
    try {
      // The store keeps the logged form ('|'-delimited) when the wire delimiter is SOH.
      parser.parseText(encoded.includes(SOH) ? encoded : encoded.replaceAll('|', SOH));
    } catch {
      message = null;
      parser.reset();
    } finally {
      parser.removeListener('msg', onMsg);
    }
    return message;
  }

  /**
   * toObject() turns numeric fields into JS numbers ("100.50" -> 100.5): put the wire text back so
   * that prices and quantities are resent exactly as first sent.
   */
  private keepWireText(o: ILooseObject, view: MsgView): void {
    for (const [name, value] of Object.entries(o)) {
      if (typeof value === 'number') {
        const field = this.config.definitions.simple.get(name);
        const text = field ? view.getString(field.tag) : null;
        if (text !== null) o[name] = text;
      } else if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        !(value instanceof Date)
      ) {
        this.keepWireText(value as ILooseObject, view);
      }
    }
  }

  /**
   * A parser of its own: the session container's parser state and buffer are registered once and
   * belong to the socket's parser, so this one gets a child container with its own buffer.
   */
  private storeParser(): AsciiParser {
    const buffer = new ElasticBuffer(64 * 1024);
    const container = this.config.sessionContainer.createChildContainer();
    container.registerInstance(DITokens.ParseBuffer, buffer);
    return new AsciiParser({ ...this.config, sessionContainer: container }, null, buffer);
  }

  // A resent message (PossDupFlag) carries an old MsgSeqNum: AsciiSession would persist
  // "next outgoing = that + 1", rewinding the sequence after a restart.
  protected override txOnEncoded(msgType: string, data: string, hdr: ILooseObject): void {
    if (hdr?.['PossDupFlag'] === true) {
      this.onEncoded(msgType, data);
      return;
    }
    super.txOnEncoded(msgType, data, hdr);
  }
}
