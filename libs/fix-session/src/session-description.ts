// jspurefix session descriptions: who we are, where the counterparty is, and the session-level
// settings (HeartBtInt, ResetSeqNumFlag, extra Logon fields). No jspurefix import at run time:
// building them stays cheap.

import type { ISessionDescription, JsFixLoggerFactory } from 'jspurefix';
import type { BackoffOptions } from './reconnect-backoff';

/** Where and as whom an initiator logs on: the options every FIX adapter takes. */
export interface FixInitiatorOptions {
  readonly host: string;
  readonly port: number;
  /** Our SenderCompID (49). */
  readonly senderCompId: string;
  /** The venue's CompID, our TargetCompID (56). */
  readonly targetCompId: string;
  readonly senderSubId?: string;
  readonly targetSubId?: string;
  /** Logon Username (553) / Password (554), if the venue wants them. */
  readonly username?: string;
  readonly password?: string;
  /** HeartBtInt (108), seconds. Default 30. */
  readonly heartbeatSeconds?: number;
  readonly backoff?: BackoffOptions;
  /** jspurefix dictionary name or path. Default "qf44" (jspurefix's data/FIX44.xml). */
  readonly dictionary?: string;
  /** Where jspurefix logs its session layer. Default: nowhere. */
  readonly logFactory?: JsFixLoggerFactory;
}

/** What one adapter's sessions do differently from another's. */
export interface InitiatorSessionSettings {
  /** Session name in jspurefix's logs, e.g. "lmax-md". */
  readonly name: string;
  /** ResetSeqNumFlag (141) on every Logon: both sides start again from MsgSeqNum 1. */
  readonly resetSeqNumOnLogon: boolean;
  /** Extra Logon fields by dictionary name, e.g. `{ [CANCEL_ON_DISCONNECT_FIELD]: 'Y' }`. */
  readonly logon?: Readonly<Record<string, string>>;
}

/**
 * Logon tag 8013 (venue extension, e.g. Coinbase/LMAX style): 'Y' asks the venue to cancel this
 * session's orders when it drops. The dictionaries this library loads declare it on the Logon.
 */
export const CANCEL_ON_DISCONNECT_TAG = 8013;
export const CANCEL_ON_DISCONNECT_FIELD = 'CancelOrdersOnDisconnect';

export function initiatorDescription(
  options: FixInitiatorOptions,
  session: InitiatorSessionSettings,
): ISessionDescription {
  return {
    application: {
      type: 'initiator',
      name: session.name,
      // One TCP attempt per session run: retries belong to ReconnectingInitiator's backoff.
      reconnectSeconds: 1,
      connectTimeoutSeconds: 0.001,
      resilient: false,
      tcp: { host: options.host, port: options.port },
      protocol: 'ascii',
      dictionary: options.dictionary ?? 'qf44',
    },
    BeginString: 'FIX.4.4',
    SenderCompId: options.senderCompId,
    TargetCompID: options.targetCompId,
    SenderSubID: options.senderSubId,
    TargetSubID: options.targetSubId,
    Username: options.username,
    Password: options.password,
    HeartBtInt: options.heartbeatSeconds ?? 30,
    ResetSeqNumFlag: session.resetSeqNumOnLogon,
    ...(session.logon !== undefined ? { Logon: session.logon } : {}),
    Name: session.name,
  } as unknown as ISessionDescription;
}

/** An acceptor: the venue's side, for the counterparties adapters are tested against. */
export interface FixAcceptorOptions {
  /** Default "127.0.0.1". */
  readonly host?: string;
  readonly port: number;
  /** The acceptor's CompID (49 on what it sends). */
  readonly senderCompId: string;
  /** The initiator's CompID. */
  readonly targetCompId: string;
  /** Session name in jspurefix's logs; also the Text of the Logouts it initiates ("<name> initiate logout"). */
  readonly name: string;
  readonly resetSeqNumOnLogon: boolean;
}

export function acceptorDescription(options: FixAcceptorOptions): ISessionDescription {
  return {
    application: {
      type: 'acceptor',
      name: options.name,
      reconnectSeconds: 1,
      tcp: { host: options.host ?? '127.0.0.1', port: options.port },
      protocol: 'ascii',
      dictionary: 'qf44',
    },
    BeginString: 'FIX.4.4',
    SenderCompId: options.senderCompId,
    TargetCompID: options.targetCompId,
    HeartBtInt: 30,
    ResetSeqNumFlag: options.resetSeqNumOnLogon,
  } as unknown as ISessionDescription;
}
