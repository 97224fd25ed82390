import type { IJsFixConfig, MsgView } from 'jspurefix';
import type { SessionShell } from './runtime/session-shell';

/** What a SessionShell tells its owner. */
export interface SessionEvents {
  /** Logon answered: safe to send application messages. */
  onLoggedOn?(): void;
  /** Every inbound message, session-level ones included, before jspurefix handles it. */
  onInbound?(msgType: string, view: MsgView): void;
  /** An application message; `text` is the message as received ('|'-delimited), for reporting. */
  onApplicationMessage?(msgType: string, view: MsgView, text: string): void;
}

/** Makes the session of one connection; called once jspurefix is loaded. */
export type SessionFactory<S extends SessionShell> = (config: IJsFixConfig, events: SessionEvents) => S;
