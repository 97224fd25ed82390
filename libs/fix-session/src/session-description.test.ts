import test from 'node:test';
import assert from 'node:assert/strict';
import { acceptorDescription, CANCEL_ON_DISCONNECT_FIELD, initiatorDescription } from './session-description';

const venue = { host: 'fix.example', port: 9878, senderCompId: 'TAPELINE', targetCompId: 'VENUE' };

test('describes a FIX 4.4 ascii initiator that connects once per run, with a 30 s heartbeat by default', () => {
  const d = initiatorDescription(venue, { name: 'ex-md', resetSeqNumOnLogon: true });
  assert.deepEqual(d.application, {
    type: 'initiator',
    name: 'ex-md',
    reconnectSeconds: 1,
    connectTimeoutSeconds: 0.001,
    resilient: false,
    tcp: { host: 'fix.example', port: 9878 },
    protocol: 'ascii',
    dictionary: 'qf44',
  });
  assert.equal(d.BeginString, 'FIX.4.4');
  assert.equal(d.SenderCompId, 'TAPELINE');
  assert.equal(d.TargetCompID, 'VENUE');
  assert.equal(d.HeartBtInt, 30);
  assert.equal(d.ResetSeqNumFlag, true);
  assert.equal('Logon' in d, false);
});

test('carries the logon credentials, sub ids, heartbeat and extra Logon fields it is given', () => {
  const d = initiatorDescription(
    {
      ...venue,
      senderSubId: 'desk-1',
      targetSubId: 'md',
      username: 'u',
      password: 'p',
      heartbeatSeconds: 5,
      dictionary: 'repo44',
    },
    { name: 'ex-orders', resetSeqNumOnLogon: false, logon: { [CANCEL_ON_DISCONNECT_FIELD]: 'Y' } },
  );
  const { SenderSubID, TargetSubID, Username, Password, HeartBtInt, ResetSeqNumFlag } = d;
  assert.deepEqual(
    { SenderSubID, TargetSubID, Username, Password, HeartBtInt, ResetSeqNumFlag },
    {
      SenderSubID: 'desk-1',
      TargetSubID: 'md',
      Username: 'u',
      Password: 'p',
      HeartBtInt: 5,
      ResetSeqNumFlag: false,
    },
  );
  assert.equal(d.application?.dictionary, 'repo44');
  assert.deepEqual((d as unknown as { Logon: object }).Logon, { CancelOrdersOnDisconnect: 'Y' });
});

test('describes a FIX 4.4 ascii acceptor listening on the loopback unless told otherwise', () => {
  const d = acceptorDescription({
    port: 9878,
    senderCompId: 'VENUE',
    targetCompId: 'TAPELINE',
    name: 'venue',
    resetSeqNumOnLogon: false,
  });
  assert.equal(d.application?.type, 'acceptor');
  assert.deepEqual(d.application?.tcp, { host: '127.0.0.1', port: 9878 });
  assert.deepEqual(
    [d.SenderCompId, d.TargetCompID, d.HeartBtInt, d.ResetSeqNumFlag],
    ['VENUE', 'TAPELINE', 30, false],
  );
});
