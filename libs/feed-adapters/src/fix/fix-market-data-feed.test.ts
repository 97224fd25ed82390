import 'reflect-metadata'; // tsyringe, under jspurefix, needs it before it loads
import test from 'node:test';
import assert from 'node:assert/strict';
import { MsgType, type MsgView } from 'jspurefix';
import { acceptorDescription, type BackoffOptions } from '@tapeline/fix-session';
import { SessionShell, startFixEntity } from '@tapeline/fix-session/runtime';
import type { RawMarketEvent } from '@tapeline/market';
import { freePort, waitFor } from '@tapeline/test-kit';
import { SnapshotRequestError } from '../errors';
import { RecordingSink } from '../testing/recording-sink';
import { FixMarketDataFeed } from './fix-market-data-feed';

interface Request {
  readonly mdReqId: string;
  readonly subscriptionRequestType: string;
  readonly symbol: string;
  readonly entryTypes: string[];
  readonly updateType: string | null;
}

/** The venue's side of one FIX session: answers MarketDataRequests with hand-written books. */
class MarketDataVenue extends SessionShell {
  readonly requests: Request[] = [];

  protected override onApplicationMsg(msgType: string, view: MsgView): void {
    if (msgType !== MsgType.MarketDataRequest) return;
    const entries = view.getView('NoMDEntryTypes');
    const req: Request = {
      mdReqId: view.getString(262)!,
      subscriptionRequestType: view.getString(263)!,
      symbol: view.getString(55)!,
      entryTypes: Array.from({ length: entries?.groupCount() ?? 0 }, (_, i) =>
        entries!.getGroupInstance(i)!.getString(269)!,
      ),
      updateType: view.getString(265),
    };
    this.requests.push(req);
    if (req.symbol !== 'EUR/USD') {
      this.send(MsgType.MarketDataRequestReject, {
        MDReqID: req.mdReqId,
        MDReqRejReason: '0',
        Text: 'not traded here',
      });
      return;
    }
    const full = (...NoMDEntries: object[]) =>
      this.send(MsgType.MarketDataSnapshotFullRefresh, {
        MDReqID: req.mdReqId,
        Instrument: { Symbol: 'EUR/USD' },
        MDFullGrp: { NoMDEntries },
      });
    const inc = (...NoMDEntries: object[]) =>
      this.send(MsgType.MarketDataIncrementalRefresh, { MDReqID: req.mdReqId, MDIncGrp: { NoMDEntries } });
    if (req.subscriptionRequestType === '0') {
      full(
        { MDEntryType: '0', MDEntryPx: '1.10250', MDEntrySize: '1500000' },
        { MDEntryType: '1', MDEntryPx: '1.10265', MDEntrySize: '800000' },
      );
      return;
    }
    const eur = { Instrument: { Symbol: 'EUR/USD' } };
    full(
      { MDEntryType: '0', MDEntryPx: '1.10250', MDEntrySize: '1000000' },
      { MDEntryType: '0', MDEntryPx: '1.10240', MDEntrySize: '2000000' },
      { MDEntryType: '1', MDEntryPx: '1.10260', MDEntrySize: '500000' },
      {
        MDEntryType: '2',
        MDEntryPx: '1.10255',
        MDEntrySize: '100000',
        MDEntryDate: '20261122',
        MDEntryTime: '10:15:30.250',
      },
    );
    inc(
      { MDUpdateAction: '0', MDEntryType: '0', ...eur, MDEntryPx: '1.10245', MDEntrySize: '3000000' },
      { MDUpdateAction: '2', MDEntryType: '1', ...eur, MDEntryPx: '1.10260' },
      { MDUpdateAction: '0', MDEntryType: '1', ...eur, MDEntryPx: '1.10265', MDEntrySize: '750000' },
    );
    inc(
      {
        MDUpdateAction: '0',
        MDEntryType: '2',
        ...eur,
        MDEntryPx: '1.10265',
        MDEntrySize: '250000',
        MDEntryID: 'T2',
      },
      { MDUpdateAction: '1', MDEntryType: '0', ...eur, MDEntryPx: '1.10250', MDEntrySize: '1500000' },
    );
    inc({ MDUpdateAction: '0', MDEntryType: '0', ...eur, MDEntrySize: '10' }); // no MDEntryPx
    inc({ MDUpdateAction: '1', MDEntryType: '1', ...eur, MDEntryPx: '1.10265', MDEntrySize: '800000' });
  }
}

async function startVenue(port: number) {
  const sessions: MarketDataVenue[] = [];
  const description = acceptorDescription({
    port,
    senderCompId: 'VENUE',
    targetCompId: 'TAPELINE',
    name: 'venue',
    resetSeqNumOnLogon: true,
  });
  const { entity, done } = await startFixEntity(description, undefined, (config) => {
    const s = new MarketDataVenue(config);
    sessions.push(s);
    return s;
  });
  return {
    sessions,
    async stop() {
      (entity as unknown as { stop(): void }).stop();
      await done;
    },
  };
}

const isSnapshot = (e: RawMarketEvent) => e.type === 'depth' && e.kind === 'snapshot';
const feedTo = (port: number, symbols: string[], backoff: BackoffOptions) =>
  new FixMarketDataFeed({
    host: '127.0.0.1',
    port,
    senderCompId: 'TAPELINE',
    targetCompId: 'VENUE',
    symbols,
    backoff,
  });
const withoutTimes = (sink: RecordingSink) =>
  sink.events.map(({ receiveTimeMicros: _r, exchangeTimeMicros: _e, ...rest }) => rest);

test('subscribes over FIX and turns W, X and Y into snapshots, diffs, trades and reports; resubscribes after the venue logs out', async (t) => {
  const port = await freePort();
  const venue = await startVenue(port);
  const sink = new RecordingSink();
  const feed = feedTo(port, ['EUR/USD', 'XAU/USD'], { baseMs: 40, maxMs: 200, jitter: 0.5 });
  t.after(async () => {
    await feed.stop();
    await venue.stop();
  });
  const started = BigInt(Date.now()) * 1000n;
  await feed.start(sink);
  await waitFor('the reject of XAU/USD', async () => sink.malformed.length === 2);

  assert.deepEqual(venue.sessions[0]!.requests, [
    {
      mdReqId: 'EUR/USD-1',
      subscriptionRequestType: '1',
      symbol: 'EUR/USD',
      entryTypes: ['0', '1', '2'],
      updateType: '1',
    },
    {
      mdReqId: 'XAU/USD-2',
      subscriptionRequestType: '1',
      symbol: 'XAU/USD',
      entryTypes: ['0', '1', '2'],
      updateType: '1',
    },
  ]);

  // The venue's MsgSeqNums: Logon 1, W 2, X 3, 4, 5 (malformed), 6, Y 7.
  const base = { venue: 'fix', symbol: 'EUR/USD' } as const;
  assert.deepEqual(withoutTimes(sink), [
    {
      ...base,
      type: 'depth',
      kind: 'snapshot',
      sequence: 2n,
      bids: [
        ['1.10250', '1000000'],
        ['1.10240', '2000000'],
      ],
      asks: [['1.10260', '500000']],
    },
    // FIX 4.4 W entries have no MDEntryID: the id is <MsgSeqNum>:<entry index>
    { ...base, type: 'trade', tradeId: '2:3', price: '1.10255', size: '100000', aggressor: 'unknown' },
    {
      ...base,
      type: 'depth',
      kind: 'diff',
      sequence: 3n,
      previousSequence: 2n,
      bids: [['1.10245', '3000000']],
      asks: [
        ['1.10260', '0'],
        ['1.10265', '750000'],
      ],
    },
    {
      ...base,
      type: 'depth',
      kind: 'diff',
      sequence: 4n,
      previousSequence: 3n,
      bids: [['1.10250', '1500000']],
      asks: [],
    },
    { ...base, type: 'trade', tradeId: 'T2', price: '1.10265', size: '250000', aggressor: 'unknown' },
    // 5 was malformed and is lost, so 6 does not chain onto 4: the book builder sees the gap
    {
      ...base,
      type: 'depth',
      kind: 'diff',
      sequence: 6n,
      previousSequence: 5n,
      bids: [],
      asks: [['1.10265', '800000']],
    },
  ]);
  // The W trade carries its own MDEntryDate/MDEntryTime (2026-11-22T10:15:30.250Z); the rest are stamped with SendingTime.
  assert.equal(sink.events[1]!.exchangeTimeMicros, 1795342530_250000n);
  const now = BigInt(Date.now()) * 1000n;
  for (const e of [sink.events[0]!, ...sink.events.slice(2)]) {
    assert.ok(
      e.exchangeTimeMicros >= started - 1000n && e.exchangeTimeMicros <= now,
      `${e.exchangeTimeMicros}`,
    );
    assert.ok(e.receiveTimeMicros >= e.exchangeTimeMicros - 1000n);
  }

  assert.match(sink.malformed[0]!.reason, /entry 0 MDEntryPx is not a decimal string/);
  assert.match(sink.malformed[0]!.frame, /^8=FIX\.4\.4\|.*\|35=X\|.*\|34=5\|/);
  assert.equal(
    sink.malformed[1]!.reason,
    'MarketDataRequest XAU/USD-2 for XAU/USD rejected: unknown symbol (281=0): not traded here',
  );

  // A snapshot on demand (after a gap) is a MarketDataRequest 263=0 answered by a W.
  await feed.requestSnapshot('EUR/USD');
  await waitFor('the requested snapshot', async () => sink.events.filter(isSnapshot).length === 2);
  assert.deepEqual(venue.sessions[0]!.requests[2], {
    mdReqId: 'EUR/USD-3',
    subscriptionRequestType: '0',
    symbol: 'EUR/USD',
    entryTypes: ['0', '1', '2'],
    updateType: null,
  });
  assert.deepEqual(withoutTimes(sink).at(-1), {
    ...base,
    type: 'depth',
    kind: 'snapshot',
    sequence: 8n,
    bids: [['1.10250', '1500000']],
    asks: [['1.10265', '800000']],
  });

  // The venue ends the session: the feed reconnects with backoff, logs on again and resubscribes.
  venue.sessions[0]!.done();
  await waitFor('the second session', async () => sink.events.filter(isSnapshot).length === 3);
  assert.deepEqual(sink.states(), ['connected', 'disconnected', 'reconnecting', 'connected']);
  const disconnected = sink.statuses[1]!;
  assert.ok(disconnected.state === 'disconnected');
  assert.match(disconnected.reason, /^logged out by venue: venue initiate logout/);
  const reconnecting = sink.statuses[2]!;
  assert.ok(
    reconnecting.state === 'reconnecting' && reconnecting.attempt === 1 && reconnecting.delayMs <= 40,
  );
  assert.deepEqual(
    venue.sessions[1]!.requests.map((r) => [r.symbol, r.subscriptionRequestType]),
    [
      ['EUR/USD', '1'],
      ['XAU/USD', '1'],
    ],
  );
  const resubscribed = sink.events.filter(isSnapshot).at(-1)!;
  assert.ok(resubscribed.type === 'depth');
  assert.equal(resubscribed.sequence, 2n); // the new session restarts MsgSeqNum (ResetSeqNumFlag)
});

test('reports a refused connection and keeps retrying with backoff', async (t) => {
  const port = await freePort(); // nothing listens there
  const sink = new RecordingSink();
  const feed = feedTo(port, ['EUR/USD'], { baseMs: 50, maxMs: 100, jitter: 0 });
  t.after(() => feed.stop());
  await feed.start(sink);
  await waitFor('two failed attempts', async () => sink.statuses.length >= 4);
  assert.deepEqual(
    sink.statuses.slice(0, 4).map((s) => (s.state === 'reconnecting' ? [s.attempt, s.delayMs] : s.state)),
    ['disconnected', [1, 50], 'disconnected', [2, 100]],
  );
  const first = sink.statuses[0]!;
  assert.ok(first.state === 'disconnected');
  assert.match(first.reason, /ECONNREFUSED/);
});

test('refuses a snapshot request while no session is logged on', async () => {
  const feed = new FixMarketDataFeed({
    host: '127.0.0.1',
    port: 1,
    senderCompId: 'TAPELINE',
    targetCompId: 'VENUE',
    symbols: ['EUR/USD'],
  });
  await assert.rejects(feed.requestSnapshot('EUR/USD'), SnapshotRequestError);
});
