import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { DepthKind, type DepthUpdate } from '../market/market.model';
import { LiveConnection, LiveSubscriptions } from './live-subscriptions';
import { MarketHub } from './market-hub';

const limits = { wsSendBufferBytes: 1000, depthDiffsPerSubscription: 3, factsPerSubscription: 2 };

function setup() {
  const hub = new MarketHub();
  return { hub, live: new LiveSubscriptions(hub, limits) };
}

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value as T);
  return out;
}

test('a slow quote subscriber gets the latest quote of each instrument, not a queue', async () => {
  const { hub, live } = setup();
  const stream = live.quotes<{ id: string; px: number }>(['A', 'B'], undefined);
  for (let px = 1; px <= 100; px++) hub.publish('quotes', 'A', { id: 'A', px });
  hub.publish('quotes', 'B', { id: 'B', px: 7 });
  hub.publish('quotes', 'C', { id: 'C', px: 9 }); // not subscribed
  assert.equal(stream.mailbox.pending, 2);
  assert.deepEqual(await take(stream, 2), [
    { id: 'A', px: 100 },
    { id: 'B', px: 7 },
  ]);
  assert.equal(live.stats().conflated, 99);
  await stream.return();
  assert.equal(hub.wants('quotes', 'A'), false, 'the route is gone once the subscription ends');
  assert.equal(live.stats().subscriptions, 0);
});

test('a subscriber does not take from its mailbox while its socket buffer is over the bound', async () => {
  const { hub, live } = setup();
  const socket = { bufferedAmount: 5000, readyState: 1 };
  const stream = live.quotes<number>(['A'], new LiveConnection(socket, 10));
  hub.publish('quotes', 'A', 1);
  const next = stream.next();
  await new Promise((r) => setTimeout(r, 30));
  hub.publish('quotes', 'A', 2); // still conflating: nothing was taken
  assert.equal(stream.mailbox.pending, 1);
  socket.bufferedAmount = 0;
  assert.deepEqual(await next, { value: 2, done: false });
  await stream.return();
});

test('a connection holds at most its limit of subscriptions, and ended ones free their slot', async () => {
  const { live } = setup();
  const connection = new LiveConnection(undefined, 2);
  const a = live.quotes(['A'], connection);
  live.trades(['A'], connection);
  assert.throws(
    () => live.quotes(['B'], connection),
    (err: unknown) =>
      err instanceof GraphQLError &&
      err.extensions.code === 'TOO_MANY_SUBSCRIPTIONS' &&
      err.extensions.limit === 2 &&
      err.extensions.value === 3,
  );
  await a.return();
  assert.doesNotThrow(() => live.quotes(['B'], connection));
  assert.equal(connection.subscriptions, 2);
});

const trade = (n: number) => ({ sequence: String(n), tradeId: `T${n}`, exchangeTime: 1_000_000 + n });

test('trades are never conflated; past the bound the next trade delivered names the ones dropped', async () => {
  const { hub, live } = setup();
  const stream = live.trades<ReturnType<typeof trade>>(['A'], undefined);
  hub.publish('trades', 'A', trade(1));
  hub.publish('trades', 'A', trade(2));
  assert.deepEqual(await take(stream, 2), [trade(1), trade(2)]);
  for (let i = 3; i <= 9; i++) hub.publish('trades', 'A', trade(i)); // bound is 2
  assert.equal(stream.mailbox.pending, 2, 'the buffer stays at its bound');
  assert.deepEqual(await take(stream, 2), [
    trade(3),
    {
      ...trade(9),
      gap: {
        count: 5,
        firstSequence: '4',
        lastSequence: '8',
        firstTradeId: 'T4',
        lastTradeId: 'T8',
        from: 1_000_004,
        to: 1_000_008,
      },
    },
  ]);
  hub.publish('trades', 'A', trade(10));
  assert.deepEqual(await stream.next(), { value: trade(10), done: false });
  assert.equal(stream.isEnded, false, 'the subscription goes on');
  const stats = live.stats();
  assert.deepEqual([stats.factsDropped, stats.gaps], [5, 1]);
  await stream.return();
});

test('bars: closes in order, forming latest-wins, and a forming bar never follows the close of its period', async () => {
  const { hub, live } = setup();
  const stream = live.bars<{ barType: string; closed: boolean; openTime: number }>(
    ['A'],
    ['1m'],
    true,
    undefined,
  );
  const bar = (openTime: number, closed: boolean, barType = '1m') => ({ barType, closed, openTime });
  hub.publish('bars', 'A', bar(60, false));
  hub.publish('bars', 'A', bar(60, true));
  hub.publish('bars', 'A', bar(120, false, '5m')); // another bar type: not asked for
  assert.deepEqual(await stream.next(), { value: bar(60, true), done: false });
  hub.publish('bars', 'A', bar(120, false));
  assert.deepEqual(await stream.next(), { value: bar(120, false), done: false });
  await stream.return();
});

function depth(sequence: number, previousSequence: number, kind = DepthKind.DIFF): DepthUpdate {
  return {
    instrumentId: 'A',
    venue: 'SIM',
    kind,
    sequence: String(sequence),
    previousSequence: String(previousSequence),
    bids: [],
    asks: [],
    stale: false,
    publishTime: null,
  };
}

test('depth: snapshot first, diffs already in it skipped, then the chain; a gap brings a fresh snapshot', async () => {
  const { hub, live } = setup();
  let book = 10;
  const fetched: number[] = [];
  const fetch = (id: string) => {
    fetched.push(book);
    return Promise.resolve({ ...depth(book, 0, DepthKind.SNAPSHOT), instrumentId: id });
  };
  const stream = await live.depth(['A'], fetch, undefined);
  // Within the bound of 3 pending diffs; 10 is already in the snapshot.
  for (const [s, p] of [
    [10, 9],
    [11, 10],
    [12, 11],
  ] as const)
    hub.publish('depth', 'A', depth(s, p));
  const seq = async () => {
    const v = (await stream.next()).value as DepthUpdate;
    return `${v.kind}:${v.sequence}`;
  };
  assert.deepEqual([await seq(), await seq(), await seq()], ['SNAPSHOT:10', 'DIFF:11', 'DIFF:12']);
  book = 20;
  hub.publish('depth', 'A', depth(15, 14)); // 13 and 14 never arrived: a gap
  hub.publish('depth', 'A', depth(21, 20));
  assert.deepEqual([await seq(), await seq()], ['SNAPSHOT:20', 'DIFF:21']);
  assert.deepEqual(fetched, [10, 20]);
  await stream.return();
});

test('depth: a run of diffs beyond the bound is replaced by one fresh snapshot', async () => {
  const { hub, live } = setup();
  let book = 1;
  const stream = await live.depth(
    ['A'],
    () => Promise.resolve(depth(book, 0, DepthKind.SNAPSHOT)),
    undefined,
  );
  assert.equal(((await stream.next()).value as DepthUpdate).sequence, '1');
  for (let s = 2; s <= 10; s++) hub.publish('depth', 'A', depth(s, s - 1)); // bound is 3
  assert.ok(stream.mailbox.pending <= 3, `pending ${stream.mailbox.pending}`);
  book = 10;
  const v = (await stream.next()).value as DepthUpdate;
  assert.deepEqual([v.kind, v.sequence], [DepthKind.SNAPSHOT, '10']);
  assert.equal(live.stats().resyncs, 1);
  await stream.return();
});

test('depth: when the book service fails the subscription fails and leaves no route behind', async () => {
  const { hub, live } = setup();
  await assert.rejects(
    live.depth(
      ['A'],
      () => Promise.reject(new GraphQLError('down', { extensions: { code: 'SERVICE_UNAVAILABLE' } })),
      undefined,
    ),
    /down/,
  );
  assert.equal(hub.wants('depth', 'A'), false);
  assert.equal(live.stats().subscriptions, 0);
});

const alert = (alertId: string, raisedAt = 0) => ({ alertId, raisedAt });

test('alerts without instruments receive every alert', async () => {
  const { hub, live } = setup();
  const all = live.alerts<ReturnType<typeof alert>>(null, undefined);
  const one = live.alerts<ReturnType<typeof alert>>(['B'], undefined);
  hub.publish('alerts', 'A', alert('a1'));
  hub.publish('alerts', '', alert('feed'));
  hub.publish('alerts', 'B', alert('b1'));
  assert.deepEqual(await take(all, 3), [alert('a1'), alert('feed'), alert('b1')]);
  assert.deepEqual(await take(one, 1), [alert('b1')]);
  live.closeAll();
  assert.equal((await all.next()).done, true);
});

test('a slow alert subscriber gets a gap per instrument instead of losing its subscription', async () => {
  const { hub, live } = setup();
  const stream = live.alerts<ReturnType<typeof alert>>(null, undefined);
  for (let i = 1; i <= 5; i++) hub.publish('alerts', 'A', alert(`a${i}`, i));
  hub.publish('alerts', 'B', alert('b1', 9));
  assert.deepEqual(await take(stream, 3), [
    alert('a1', 1),
    alert('b1', 9),
    { ...alert('a5', 5), gap: { count: 3, firstAlertId: 'a2', lastAlertId: 'a4', from: 2, to: 4 } },
  ]);
  await stream.return();
});
