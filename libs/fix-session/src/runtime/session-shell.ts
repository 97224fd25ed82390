// The session every FIX adapter runs: jspurefix's AsciiSession runs the session layer (logon,
// heartbeats, test requests, resend requests, logout); this class forwards what an adapter needs
// to its SessionEvents and keeps the text of each message for reports.

import 'reflect-metadata'; // tsyringe, under jspurefix, needs it before it loads
import {
  AsciiSession,
  MsgType,
  type IJsFixConfig,
  type ILooseObject,
  type MsgView,
  type SendCallback,
} from 'jspurefix';
import type { SessionEvents } from '../session-events';

export class SessionShell extends AsciiSession {
  /** Text (58) of the counterparty's Logout, if it ended the session. */
  logoutText: string | null = null;
  private lastText = '';

  constructor(
    config: IJsFixConfig,
    protected readonly events: SessionEvents = {},
  ) {
    super(config);
  }

  /** Sends an application message; resolves with its MsgSeqNum once encoded and handed to the socket. */
  sendApplication(msgType: string, body: object): Promise<number> {
    return new Promise((resolve, reject) => {
      const done: SendCallback = (err, result) =>
        err ? reject(err) : resolve(Number((result.header as ILooseObject | null)?.MsgSeqNum ?? 0));
      this.send(msgType, body as ILooseObject, done);
    });
  }

  protected override onMsg(msgType: string, view: MsgView): void {
    this.events.onInbound?.(msgType, view);
    if (msgType === MsgType.Logout) this.logoutText = view.getString(58) ?? '';
    super.onMsg(msgType, view);
  }

  protected onApplicationMsg(msgType: string, view: MsgView): void {
    this.events.onApplicationMessage?.(msgType, view, this.lastText);
  }

  protected onReady(_view: MsgView): void {
    this.events.onLoggedOn?.();
  }

  protected onStopped(_error?: Error): void {
    // The owner learns of the end from the entity's start() settling.
  }

  protected onLogon(_view: MsgView, _user: string, _password: string): boolean {
    return true;
  }

  // The parser emits 'decoded' just before 'msg', so this is the text of the message about to be handled.
  protected onDecoded(_msgType: string, txt: string): void {
    this.lastText = txt;
  }

  protected onEncoded(_msgType: string, _txt: string): void {}
}
