import test from 'node:test';
import assert from 'node:assert/strict';
import type { MsgView } from 'jspurefix';
import { freePort, waitFor } from '@tapeline/test-kit';
import {
  acceptorDescription,
  CANCEL_ON_DISCONNECT_FIELD,
  CANCEL_ON_DISCONNECT_TAG,
  initiatorDescription,
} from './session-description';
import { ReconnectBackoff } from './reconnect-backoff';
import { ReconnectingInitiator, type InitiatorListener } from './reconnecting-initiator';
import { SessionShell, startFixEntity } from './runtime';

const NEWS = 'B';

/** Everything the initiator's owner hears, in order, as short strings. */
class RecordingListener implements InitiatorListener<SessionShell> {
  readonly heard: string[] = [];
  readonly inbound: string[] = [];
  readonly texts: string[] = [];

  onSessionStarting(): void {
    this.heard.push('starting');
  }
  onLoggedOn(): void {
    this.heard.push('logged on');
  }
  onInbound(msgType: string, view: MsgView): void {
    this.inbound.push(`${msgType}:${view.getString(34)}`);
  }
  onApplicationMessage(msgType: string, view: MsgView, text: string): void {
    this.heard.push(`${msgType} ${view.getString(148)}`);
    this.texts.push(text);
  }
  onDisconnected(reason: string): void {
    this.heard.push(`disconnected: ${reason}`);
  }
  onReconnecting(attempt: number, delayMs: number): void {
    this.heard.push(`reconnecting ${attempt} in ${delayMs}`);
  }
}

/** The counterparty: an acceptor whose sessions send one News on logon and record what they receive. */
async function startAcceptor(port: number) {
  const sessions: SessionShell[] = [];
  const received: { msgType: string; cancelOnDisconnect: string | null; headline: string | null }[] = [];
  const description = acceptorDescription({
    port,
    senderCompId: 'VENUE',
    targetCompId: 'TAPELINE',
    name: 'acceptor',
    resetSeqNumOnLogon: true,
  });
  const { entity, done } = await startFixEntity(description, undefined, (config) => {
    const session: SessionShell = new SessionShell(config, {
      onInbound: (msgType, view) =>
        received.push({
          msgType,
          cancelOnDisconnect: view.getString(CANCEL_ON_DISCONNECT_TAG),
          headline: view.getString(148),
        }),
      onLoggedOn: () => void session.sendApplication(NEWS, { Headline: `hello ${sessions.length}` }),
    });
    sessions.push(session);
    return session;
  });
  return {
    sessions,
    received,
    async stop() {
      (entity as unknown as { stop(): void }).stop();
      await done.catch(() => undefined);
    },
  };
}

function initiatorTo(port: number, listener: RecordingListener, backoff: ReconnectBackoff) {
  const description = initiatorDescription(
    { host: '127.0.0.1', port, senderCompId: 'TAPELINE', targetCompId: 'VENUE' },
    { name: 'test', resetSeqNumOnLogon: true, logon: { [CANCEL_ON_DISCONNECT_FIELD]: 'Y' } },
  );
  return new ReconnectingInitiator({ description, backoff, stopReason: 'test stopping' }, listener);
}

test('logs on, forwards application messages with their text, and reconnects with backoff after a logout', async (t) => {
  const port = await freePort();
  const acceptor = await startAcceptor(port);
  const listener = new RecordingListener();
  const initiator = initiatorTo(port, listener, new ReconnectBackoff({ baseMs: 40, maxMs: 80, jitter: 0 }));
  t.after(async () => {
    await initiator.stop();
    await acceptor.stop();
  });

  await initiator.start();
  assert.ok(initiator.loggedOnSession !== null);
  // The Logon carried the cancel-on-disconnect extension the dictionary declares.
  assert.deepEqual(acceptor.received[0], { msgType: 'A', cancelOnDisconnect: 'Y', headline: null });
  await waitFor('the first News', async () => listener.texts.length === 1);
  assert.match(listener.texts[0]!, /^8=FIX\.4\.4\|.*\|35=B\|.*\|148=hello 1\|/);
  assert.deepEqual(listener.inbound.slice(0, 2), ['A:1', 'B:2']); // session-level messages pass too

  // Our Logon was MsgSeqNum 1: the first application message goes out as 2.
  assert.equal(await initiator.loggedOnSession!.sendApplication(NEWS, { Headline: 'up' }), 2);
  await waitFor('the News at the acceptor', async () => acceptor.received.some((r) => r.headline === 'up'));

  acceptor.sessions[0]!.done(); // the counterparty logs out (jspurefix's Text names its application)
  await waitFor('the second logon', async () => listener.texts.length === 2);
  assert.deepEqual(listener.heard, [
    'starting',
    'logged on',
    'B hello 1',
    'disconnected: logged out by venue: acceptor initiate logout',
    'reconnecting 1 in 40',
    'starting',
    'logged on',
    'B hello 2',
  ]);

  await initiator.stop();
  assert.equal(initiator.running, false);
  assert.equal(initiator.session, null);
  assert.equal(acceptor.received.at(-1)!.msgType, '5'); // stop() logged out
  assert.equal(listener.heard.length, 8); // and nothing was reported after it
});

test('reports a refused connection and retries with a growing delay until stopped', async (t) => {
  const port = await freePort(); // nothing listens there
  const listener = new RecordingListener();
  const initiator = initiatorTo(port, listener, new ReconnectBackoff({ baseMs: 30, maxMs: 60, jitter: 0 }));
  t.after(() => initiator.stop());
  await initiator.start();
  assert.equal(initiator.session, null);
  await waitFor('three attempts', async () => listener.heard.filter((h) => h === 'starting').length === 3);
  await initiator.stop();
  assert.deepEqual(
    listener.heard.slice(0, 6).map((h) => h.replace(/^disconnected: .*ECONNREFUSED.*$/, 'refused')),
    ['starting', 'refused', 'reconnecting 1 in 30', 'starting', 'refused', 'reconnecting 2 in 60'],
  );
});

test('refuses a second start', async (t) => {
  const listener = new RecordingListener();
  const initiator = initiatorTo(await freePort(), listener, new ReconnectBackoff({ baseMs: 1000 }));
  t.after(() => initiator.stop());
  await initiator.start();
  await assert.rejects(initiator.start(), { name: 'FixSessionError', code: 'CONFIG' });
});
