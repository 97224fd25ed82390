// The initiator loop of every FIX adapter: one jspurefix session per TCP connection, retried with
// ReconnectBackoff until stop() (jspurefix's fixed-interval retry is not used). jspurefix is loaded
// on the first connect, so a process that never connects does not pay the seconds it takes.

import type { ISessionDescription, JsFixLoggerFactory, MsgView } from 'jspurefix';
import { describeError, FixSessionError } from './errors';
import type { ReconnectBackoff } from './reconnect-backoff';
import type { SessionShell } from './runtime/session-shell';
import type { SessionFactory } from './session-events';

export interface ReconnectingInitiatorOptions<S extends SessionShell> {
  /** From initiatorDescription(). */
  readonly description: ISessionDescription;
  readonly backoff: ReconnectBackoff;
  /** Where jspurefix logs its session layer. Default: nowhere. */
  readonly logFactory?: JsFixLoggerFactory;
  /** Reason stop() gives when the counterparty does not answer its Logout in time. */
  readonly stopReason: string;
  /** Loads the session class (it extends jspurefix's) and makes each connection's session. Default: a SessionShell. */
  readonly loadSession?: () => Promise<SessionFactory<S>>;
}

export interface InitiatorListener<S extends SessionShell> {
  /** A connection attempt begins: what belonged to the previous session is void. */
  onSessionStarting?(): void;
  /** Logon answered: safe to send. Not called once stop() has begun (that session is logged out). */
  onLoggedOn(session: S): void;
  /** Every inbound message, session-level ones included, before jspurefix handles it. */
  onInbound?(msgType: string, view: MsgView): void;
  /** An application message; `text` is the message as received ('|'-delimited), for reporting. */
  onApplicationMessage(msgType: string, view: MsgView, text: string): void;
  /** The session ended or could not start (not called once stop() has begun). */
  onDisconnected(reason: string): void;
  /** The next attempt (1, 2, ... since the last logon) starts in `delayMs`. */
  onReconnecting(attempt: number, delayMs: number): void;
}

export class ReconnectingInitiator<S extends SessionShell = SessionShell> {
  private isRunning = false;
  private current: S | null = null;
  private loggedOn = false;
  private attempt = 0;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(
    private readonly options: ReconnectingInitiatorOptions<S>,
    private readonly listener: InitiatorListener<S>,
  ) {}

  /** From start() until stop() begins. */
  get running(): boolean {
    return this.isRunning;
  }

  /** The session of the current connection, logged on or not yet; null between connections. */
  get session(): S | null {
    return this.current;
  }

  /** The session while it is logged on, else null. */
  get loggedOnSession(): S | null {
    return this.loggedOn ? this.current : null;
  }

  /** Resolves once the first attempt has settled (logged on or failed); retries go on in the background. */
  async start(): Promise<void> {
    if (this.isRunning) throw new FixSessionError('CONFIG', 'the initiator is already started');
    this.isRunning = true;
    this.attempt = 0;
    let firstSettled!: () => void;
    const first = new Promise<void>((resolve) => (firstSettled = resolve));
    this.loop = this.run(firstSettled);
    await first;
  }

  /** Logs out (waits up to 3 s for the answer, then drops the session) and ends the retries. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    this.isRunning = false;
    this.wake?.();
    this.current?.done(); // Logout; the loop ends when the counterparty confirms
    const ended = this.loop.then(() => true);
    if (!(await Promise.race([ended, delay(3000).then(() => false)]))) {
      this.current?.requestStop(this.options.stopReason);
      // A connect stuck in the OS (unreachable host) cannot be cancelled; every callback is
      // already muted by `running`, so stop() does not wait for it.
      await Promise.race([ended, delay(1000)]);
    }
  }

  private async run(firstSettled: () => void): Promise<void> {
    while (this.isRunning) {
      const reason = await this.runSession(firstSettled);
      firstSettled();
      if (!this.isRunning) return;
      this.listener.onDisconnected(reason);
      this.attempt += 1;
      const delayMs = this.options.backoff.delayMs(this.attempt);
      this.listener.onReconnecting(this.attempt, delayMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One FIX session, from TCP connect to its end; returns why it ended. */
  private async runSession(loggedOn: () => void): Promise<string> {
    this.listener.onSessionStarting?.();
    let session: S | null = null;
    try {
      const [{ startFixEntity }, create] = await Promise.all([
        import('./runtime/fix-entity'),
        this.sessionFactory(),
      ]);
      const { done } = await startFixEntity(this.options.description, this.options.logFactory, (config) => {
        const created = create(config, {
          onLoggedOn: () => {
            loggedOn();
            this.onLoggedOn(created);
          },
          onInbound: (msgType, view) => this.listener.onInbound?.(msgType, view),
          onApplicationMessage: (msgType, view, text) =>
            this.listener.onApplicationMessage(msgType, view, text),
        });
        this.current = session = created;
        return created;
      });
      await done;
      const logout = (session as S | null)?.logoutText;
      return logout === null || logout === undefined ? 'session ended' : `logged out by venue: ${logout}`;
    } catch (err) {
      return describeError(err);
    } finally {
      this.loggedOn = false;
      this.current = null;
    }
  }

  private onLoggedOn(session: S): void {
    if (!this.isRunning) {
      session.done();
      return;
    }
    this.attempt = 0;
    this.loggedOn = true;
    this.listener.onLoggedOn(session);
  }

  private async sessionFactory(): Promise<SessionFactory<S>> {
    if (this.options.loadSession !== undefined) return this.options.loadSession();
    const { SessionShell } = await import('./runtime/session-shell');
    return (config, events) => new SessionShell(config, events) as S;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
