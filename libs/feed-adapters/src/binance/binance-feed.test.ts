import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RawMarketEvent } from '@tapeline/market';
import { waitFor } from '@tapeline/test-kit';
import { SnapshotRequestError } from '../errors';
import { RecordingSink } from '../testing/recording-sink';
import { BinanceFeed, type BinanceFeedOptions } from './binance-feed';

interface Connection {
  snapshot: unknown;
  frames: (object | string)[];
  then: 'disconnect' | 'hold';
}
const FIXTURE = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../fixtures/binance-btcusdt.json'), 'utf8'),
) as { connections: Connection[] };

const STREAMS = '/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms';
const micros = (ms: number) => BigInt(ms) * 1000n;

/**
 * A local stand-in for the venue: a websocket server replaying one scripted connection per
 * client connection, and the REST depth endpoint answering with that connection's snapshot.
 * Frames are sent only after the snapshot was served, so each snapshot belongs to its connection.
 */
async function startVenue(connections: Connection[], snapshotStatus = 200) {
  const paths: string[] = [];
  const snapshotQueries: string[] = [];
  const pongs: number[] = [];
  const sockets: WebSocket[] = [];
  const rest = http.createServer((req, res) => {
    snapshotQueries.push(req.url ?? '');
    const current = connections[Math.min(Math.max(0, paths.length - 1), connections.length - 1)]!;
    res.writeHead(snapshotStatus, { 'content-type': 'application/json' });
    res.end(
      snapshotStatus === 200 ? JSON.stringify(current.snapshot) : '{"code":-1003,"msg":"Too many requests"}',
    );
  });
  await new Promise<void>((r) => rest.listen(0, '127.0.0.1', r));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', r));
  wss.on('connection', (socket, req) => {
    sockets.push(socket);
    const index = paths.push(req.url ?? '') - 1;
    const script = connections[Math.min(index, connections.length - 1)]!;
    socket.on('pong', () => pongs.push(index));
    void waitFor('snapshot request', async () => snapshotQueries.length > index, 5000, 5).then(() => {
      for (const f of script.frames) socket.send(typeof f === 'string' ? f : JSON.stringify(f));
      if (script.then === 'disconnect') socket.close(1001, 'maintenance');
    });
  });
  return {
    wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    restUrl: `http://127.0.0.1:${(rest.address() as AddressInfo).port}`,
    paths,
    snapshotQueries,
    pongs,
    sockets,
    async close() {
      for (const s of wss.clients) s.terminate();
      await new Promise((r) => wss.close(r));
      rest.closeAllConnections();
      await new Promise((r) => rest.close(r));
    },
  };
}

function feedFor(venue: { wsUrl: string; restUrl: string }, extra: Partial<BinanceFeedOptions> = {}) {
  return new BinanceFeed({
    wsUrl: venue.wsUrl,
    restUrl: venue.restUrl,
    symbols: ['BTCUSDT'],
    backoff: { baseMs: 40, maxMs: 200, jitter: 0.5 },
    ...extra,
  });
}

const isSnapshot = (e: RawMarketEvent) => e.type === 'depth' && e.kind === 'snapshot';
const QUIET: Connection = { snapshot: FIXTURE.connections[0]!.snapshot, frames: [], then: 'hold' };

test('replays the recorded feed, reports the malformed frames, and resumes after a venue disconnect with a fresh snapshot', async (t) => {
  const venue = await startVenue(FIXTURE.connections);
  const sink = new RecordingSink();
  const feed = feedFor(venue);
  t.after(async () => {
    await feed.stop();
    await venue.close();
  });
  await feed.start(sink);
  await waitFor('data of the second connection', async () =>
    sink.events.some((e) => e.type === 'trade' && e.tradeId === '5003'),
  );

  // Resubscribed: both connections asked for the same streams; each fetched its own snapshot.
  assert.deepEqual(venue.paths, [STREAMS, STREAMS]);
  assert.deepEqual(venue.snapshotQueries, [
    '/api/v3/depth?symbol=BTCUSDT&limit=1000',
    '/api/v3/depth?symbol=BTCUSDT&limit=1000',
  ]);

  const snapshots = sink.received(isSnapshot);
  assert.equal(snapshots.length, 2);
  for (const [i, s] of snapshots.entries()) {
    const body = FIXTURE.connections[i]!.snapshot as { lastUpdateId: number; bids: unknown; asks: unknown };
    assert.deepEqual(s, {
      type: 'depth',
      kind: 'snapshot',
      venue: 'binance',
      symbol: 'BTCUSDT',
      exchangeTimeMicros: s.exchangeTimeMicros, // REST depth has no time: the receive time stands in
      sequence: BigInt(body.lastUpdateId),
      bids: body.bids,
      asks: body.asks,
    });
  }

  const base = { venue: 'binance', symbol: 'BTCUSDT' } as const;
  assert.deepEqual(
    sink.received((e) => !isSnapshot(e) && e.type !== 'quote'),
    [
      {
        ...base,
        type: 'depth',
        kind: 'diff',
        exchangeTimeMicros: micros(1763780400100),
        sequence: 1002n,
        previousSequence: 997n,
        bids: [
          ['64000.00', '1.25000000'],
          ['63998.00', '0.00000000'],
        ],
        asks: [['64001.00', '2.50000000']],
      },
      {
        ...base,
        type: 'trade',
        exchangeTimeMicros: micros(1763780400149),
        tradeId: '5001',
        price: '64000.50',
        size: '0.01000000',
        aggressor: 'buy',
      },
      {
        ...base,
        type: 'depth',
        kind: 'diff',
        exchangeTimeMicros: micros(1763780400200),
        sequence: 1005n,
        previousSequence: 1002n,
        bids: [],
        asks: [['64000.50', '0.74000000']],
      },
      // U=1010 after u=1005: previousSequence 1009 does not meet the book at 1005, which the book builder sees as a gap
      {
        ...base,
        type: 'depth',
        kind: 'diff',
        exchangeTimeMicros: micros(1763780400300),
        sequence: 1012n,
        previousSequence: 1009n,
        bids: [['63999.50', '0.00000000']],
        asks: [],
      },
      {
        ...base,
        type: 'trade',
        exchangeTimeMicros: micros(1763780400449),
        tradeId: '5002',
        price: '63999.50',
        size: '0.20000000',
        aggressor: 'sell',
      },
      {
        ...base,
        type: 'depth',
        kind: 'diff',
        exchangeTimeMicros: micros(1763780400900),
        sequence: 2003n,
        previousSequence: 1998n,
        bids: [['63990.00', '3.50000000']],
        asks: [],
      },
      {
        ...base,
        type: 'trade',
        exchangeTimeMicros: micros(1763780400948),
        tradeId: '5003',
        price: '63991.00',
        size: '0.05000000',
        aggressor: 'buy',
      },
    ],
  );

  const [quote] = sink.events.filter((e) => e.type === 'quote');
  assert.deepEqual(quote, {
    ...base,
    type: 'quote',
    exchangeTimeMicros: quote!.receiveTimeMicros,
    receiveTimeMicros: quote!.receiveTimeMicros,
    bidPrice: '64000.00',
    bidSize: '1.25000000',
    askPrice: '64000.50',
    askSize: '0.74000000',
  });

  assert.equal(sink.malformed.length, 2);
  assert.match(sink.malformed[0]!.reason, /depthUpdate\.u is not a non-negative safe integer/);
  assert.match(sink.malformed[0]!.frame, /"U":1013/);
  assert.match(sink.malformed[1]!.reason, /^not JSON/);
  assert.equal(sink.malformed[1]!.frame, FIXTURE.connections[0]!.frames[6]);

  assert.deepEqual(sink.states(), ['connected', 'disconnected', 'reconnecting', 'connected']);
  const disconnected = sink.statuses[1]!;
  assert.ok(
    disconnected.state === 'disconnected' &&
      disconnected.reason === 'closed by venue (code 1001: maintenance)',
  );
  const reconnecting = sink.statuses[2]!;
  assert.ok(reconnecting.state === 'reconnecting' && reconnecting.attempt === 1);
  // attempt 1 waits the base 40 ms less up to half of it as jitter
  assert.ok(reconnecting.delayMs >= 20 && reconnecting.delayMs <= 40, `delay ${reconnecting.delayMs}`);

  for (const e of sink.events) assert.equal(typeof e.receiveTimeMicros, 'bigint');
});

test('answers venue pings and treats a silent connection as dead', async (t) => {
  const venue = await startVenue([QUIET]);
  const sink = new RecordingSink();
  const feed = feedFor(venue, { heartbeatTimeoutMs: 300 });
  t.after(async () => {
    await feed.stop();
    await venue.close();
  });
  await feed.start(sink);
  await waitFor('first connection', async () => venue.sockets.length === 1);
  venue.sockets[0]!.ping();
  await waitFor('pong', async () => venue.pongs.length === 1);

  await waitFor('reconnect after silence', async () => venue.paths.length >= 2 && sink.states().length >= 4);
  assert.deepEqual(sink.states().slice(0, 4), ['connected', 'disconnected', 'reconnecting', 'connected']);
  const disconnected = sink.statuses[1]!;
  assert.ok(disconnected.state === 'disconnected' && disconnected.reason === 'no frame or ping for 300 ms');
});

test('rejects a snapshot request the venue refuses and drops the connection it was taken for', async (t) => {
  const venue = await startVenue([QUIET], 429);
  const sink = new RecordingSink();
  const feed = feedFor(venue, { backoff: { baseMs: 5000, maxMs: 5000, jitter: 0 } });
  t.after(async () => {
    await feed.stop();
    await venue.close();
  });
  await feed.start(sink);
  await assert.rejects(feed.requestSnapshot('BTCUSDT'), (err: unknown) => {
    assert.ok(err instanceof SnapshotRequestError);
    assert.equal(err.code, 'SNAPSHOT_FAILED');
    assert.match(err.message, /BTCUSDT failed: HTTP 429/);
    return true;
  });
  // The snapshot taken on connect failed too: without it the book cannot be rebuilt, so the adapter reconnects.
  await waitFor('disconnect', async () => sink.states().includes('reconnecting'));
  const disconnected = sink.statuses.find((s) => s.state === 'disconnected');
  assert.ok(disconnected?.state === 'disconnected');
  assert.match(disconnected.reason, /depth snapshot for BTCUSDT failed: HTTP 429/);
  assert.equal(sink.events.filter(isSnapshot).length, 0);
});
