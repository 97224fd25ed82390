import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@tapeline/test-kit';
import { OrderLedger, request, STATUS } from '../testing/order-ledger';
import { FixExchange } from './testing/fix-exchange';
import { FixVenue, type FixVenueOptions } from './fix-venue';

const APPLICATION = new Set(['D', 'F', 'G', 'H']);

test('FIX round trip (new, partial fill, fill, cancel, replace, rejects, status) across restarts of the exchange and of the venue, sequence numbers kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fix-venue-'));
  const port = await freePort();
  // The exchange fills orders at 100.25 in two (4 then 6) right after the New; others rest.
  const exchange = new FixExchange({
    port,
    storeDir: join(dir, 'exchange'),
    plan: (o) => (o.price === '100.25' ? [4, 6] : []),
  });
  const options: FixVenueOptions = {
    name: 'XFIX',
    host: '127.0.0.1',
    port,
    senderCompId: 'TAPELINE',
    targetCompId: 'EXCHANGE',
    dataDir: join(dir, 'venue'),
    cancelOnDisconnect: true,
    backoff: { baseMs: 50, maxMs: 200, jitter: 0 },
  };
  const venues: FixVenue[] = [];
  t.after(async () => {
    for (const v of venues) await v.stop();
    await exchange.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await exchange.start();
  const venue = new FixVenue(options);
  venues.push(venue);
  const oms = new OrderLedger(venue);
  await venue.start(oms);
  assert.deepEqual(oms.states, [{ venue: 'XFIX', state: 'connected' }]);

  // New, partial fill, fill. The order goes out as decimal strings at the instrument's scales.
  const a = await oms.submit({ price: 10025n, orderQty: 10n });
  await waitFor('A filled', async () => oms.order(a).status === STATUS.ORD_STATUS_FILLED);
  assert.deepEqual(oms.trail(a), ['Ack', 'Fill 4@10025', 'Fill 6@10025']);
  assert.deepEqual(
    oms.events.filter((e) => e.type === 'Fill').map((e) => e.execId),
    ['EX-T2', 'EX-T3'],
  );
  const d = exchange.received.find((r) => r.msgType === 'D')!;
  assert.deepEqual(
    [1, 11, 38, 40, 44, 54, 55, 59].map((tag) => d.fields[tag]),
    ['acc-1', `${a}-c`, '10', '2', '100.25', '1', 'SYM', '1'],
  );

  // Cancel.
  const b = await oms.submit({ price: 9900n, orderQty: 5n });
  await waitFor('B acked', async () => oms.order(b).status === STATUS.ORD_STATUS_NEW);
  await oms.cancel(b);
  await waitFor('B cancelled', async () => oms.order(b).status === STATUS.ORD_STATUS_CANCELED);
  assert.deepEqual(oms.trail(b), ['Ack', 'CancelAck']);

  // Replace: new quantity and price under a new ClOrdID.
  const c = await oms.submit({ price: 9800n, orderQty: 5n });
  await waitFor('C acked', async () => oms.order(c).status === STATUS.ORD_STATUS_NEW);
  const r = await oms.replace(c, 7n, 9850n);
  await waitFor('C replaced', async () => oms.order(c).clOrdId === r.clOrdId);
  assert.deepEqual(oms.trail(c), ['Ack', 'ReplaceAck']);
  assert.equal(oms.order(c).orderQty, 7n);
  const atExchange = [...exchange.orders.values()].find((o) => o.clOrdId === r.clOrdId)!;
  assert.deepEqual([atExchange.orderQty, atExchange.price], [7, '98.50']);

  // A cancel for an order the exchange does not know: OrderCancelReject (434=1) -> CancelReject.
  oms.apply({ type: 'Submit', orderId: 'ghost', atMicros: 1n, request: request({ clOrdId: 'ghost-c' }) });
  await oms.cancel('ghost');
  await waitFor('the cancel reject', async () => oms.trail('ghost').length === 1);
  const reject = oms.events.at(-1)!;
  assert.ok(reject.type === 'CancelReject' && reject.text === 'unknown order ghost-c');
  assert.equal(oms.order('ghost').status, STATUS.ORD_STATUS_PENDING_NEW);
  // A status request for an order the oms is in sync with adds nothing.
  await venue.requestStatus(oms.venueOrder(c));
  await waitFor('the status report', async () => exchange.received.some((m) => m.msgType === 'H'));
  const sent = exchange.received.filter((m) => APPLICATION.has(m.msgType));

  // The exchange asks for everything again: our messages come back PossDup under their original
  // MsgSeqNum, the session messages (Logon) are gap-filled; our next MsgSeqNum does not move.
  const next = venue.sequenceNumbers()!.nextOutgoing;
  exchange.askResend(1);
  await waitFor(
    'the resend',
    async () => exchange.received.filter((m) => m.possDup).length === sent.length + 1,
  );
  const resent = exchange.received.filter((m) => m.possDup);
  assert.deepEqual(resent[0]!.msgType, '4');
  assert.deepEqual([resent[0]!.seqNum, resent[0]!.fields[123], resent[0]!.fields[36]], [1, 'Y', '2']);
  assert.deepEqual(
    resent.slice(1).map((m) => [m.msgType, m.seqNum]),
    sent.map((m) => [m.msgType, m.seqNum]),
  );
  assert.equal(venue.sequenceNumbers()!.nextOutgoing, next);
  assert.deepEqual(oms.refused, []);

  // The exchange crashes and comes back. An order sent meanwhile waits and goes out after the logon;
  // both sides carry on with their sequence numbers.
  const beforeCrash = venue.sequenceNumbers()!;
  await exchange.stop();
  await waitFor('disconnected', async () => oms.states.some((s) => s.state === 'disconnected'));
  const e = await oms.submit({ price: 9700n, orderQty: 3n });
  assert.equal(oms.order(e).status, STATUS.ORD_STATUS_PENDING_NEW);
  await exchange.start();
  await waitFor('E acked after the reconnect', async () => oms.order(e).status === STATUS.ORD_STATUS_NEW);
  assert.deepEqual(
    exchange.logons().map((l) => l.seqNum),
    [1, beforeCrash.nextOutgoing],
  );
  assert.equal(venue.sequenceNumbers()!.venueLogon, beforeCrash.expectedIncoming);
  assert.deepEqual(
    oms.states.map((s) => s.state),
    ['connected', 'disconnected', 'reconnecting', 'connected'],
  );

  // The oms process restarts: Logout, then the exchange cancels the session's open orders
  // (cancel-on-disconnect) while nobody is connected. The new process rebuilt its orders from a
  // journal that missed A's last fill.
  const beforeStop = venue.sequenceNumbers()!;
  await venue.stop();
  const lastFillOfA = oms.journal.map((ev) => ev.orderId === a && ev.type === 'Fill').lastIndexOf(true);
  const venue2 = new FixVenue(options);
  venues.push(venue2);
  const oms2 = new OrderLedger(venue2);
  oms.journal.forEach((ev, i) => i !== lastFillOfA && oms2.apply(ev));
  assert.equal(oms2.order(a).cumQty, 4n);
  venue2.restore([a, c, e].map((id) => oms2.venueOrder(id)));
  await venue2.start(oms2);

  // The cancels made while we were away arrive by resend, and the Logon continued the sequence.
  await waitFor('C and E cancelled on disconnect', async () =>
    [c, e].every((id) => oms2.order(id).status === STATUS.ORD_STATUS_CANCELED),
  );
  assert.deepEqual(oms2.trail(c), ['VenueCancel']);
  const cancelOnDisconnect = oms2.events.find((ev) => ev.orderId === c)!;
  assert.ok(cancelOnDisconnect.type === 'VenueCancel' && cancelOnDisconnect.text === 'cancel on disconnect');
  assert.equal(exchange.logons().at(-1)!.seqNum, beforeStop.nextOutgoing + 1); // after our Logout
  const resendRequest = exchange.received.filter((m) => m.msgType === '2').at(-1)!;
  // Our Logout was answered by the exchange's Logout (beforeStop.expectedIncoming): the cancels follow it.
  assert.equal(resendRequest.fields[7], String(beforeStop.expectedIncoming + 1));

  // Reconciliation: the status of A fills in the fill the journal lost.
  await venue2.requestStatus(oms2.venueOrder(a));
  await waitFor('A reconciled', async () => oms2.order(a).status === STATUS.ORD_STATUS_FILLED);
  const recovered = oms2.events.at(-1)!;
  assert.ok(recovered.type === 'Fill' && /^EX-S\d+$/.test(recovered.execId));
  assert.deepEqual([recovered.lastQty, recovered.lastPx], [6n, 10025n]);
  for (const field of ['cumQty', 'avgPx', 'filledNotional', 'leavesQty'] as const) {
    assert.equal(oms2.order(a)[field], oms.order(a)[field], field);
  }
  assert.deepEqual(oms2.refused, []);
});

test('reports a fill it cannot read (a price off the instrument scale) instead of dropping it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fix-venue-'));
  const port = await freePort();
  const exchange = new FixExchange({ port, storeDir: join(dir, 'exchange') });
  const venue = new FixVenue({
    host: '127.0.0.1',
    port,
    senderCompId: 'TAPELINE',
    targetCompId: 'EXCHANGE',
    dataDir: join(dir, 'venue'),
  });
  t.after(async () => {
    await venue.stop();
    await exchange.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await exchange.start();
  const malformed: string[] = [];
  const oms = new OrderLedger(venue);
  await venue.start(
    Object.assign(oms, { onMalformed: (_v: string, reason: string) => malformed.push(reason) }),
  );
  const a = await oms.submit({ price: 10025n, orderQty: 10n });
  await waitFor('A acked', async () => oms.order(a).status === STATUS.ORD_STATUS_NEW);
  exchange.fill(`${a}-c`, 2, '100.255');
  await waitFor('the malformed report', async () => malformed.length === 1);
  assert.match(malformed[0]!, /^LastPx \(31\) "100\.255": .*does not fit in 2 decimal places/);
  assert.equal(oms.order(a).cumQty, 0n);
});
