import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Bus } from '@tapeline/bus';
import { eventsV1 } from '@tapeline/contracts';
import { silentLogger, startBroker, type RunningBroker } from '@tapeline/kafka-broker';
import {
  devClientToken,
  freePort,
  graphql,
  startService,
  waitFor,
  type RunningProcess,
} from '@tapeline/test-kit';
import { busWithTopics, gatewayWsClient, simulatedQuote, startSymbol } from './testing/live-mesh';

// The real thing end to end: the Kafka-protocol broker, the symbol service and the gateway as a
// process; quotes published with the bus as market-data publishes them.
const INSTRUMENTS = ['EURUSD.EBSM', 'GBPUSD.EBSM', 'USDJPY.EBSM', 'AAPL.XNAS', 'MSFT.XNAS'];

let broker: RunningBroker;
let dataDir: string;
let bus: Bus;
let symbol: RunningProcess;
let gateway: RunningProcess;
let base: string;
let metricsUrl: string;
let token: string;

const quote = simulatedQuote;

const wsClient = (): Client => gatewayWsClient(base, token);

async function metric(name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  assert.ok(line, `metric ${name} exported`);
  return Number(line.split(' ').at(-1));
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-live-'));
  broker = await startBroker({ port: 0, dataDir, logger: silentLogger });
  const brokers = `${broker.host}:${broker.port}`;
  bus = await busWithTopics(brokers, 'gateway-test');

  const started = await startSymbol();
  symbol = started.proc;

  const port = await freePort();
  const metricsPort = await freePort();
  gateway = startService('gateway', {
    GATEWAY_PORT: String(port),
    GRPC_PORT: String(await freePort()),
    METRICS_PORT: String(metricsPort),
    SYMBOL_GRPC_ADDR: started.addr,
    MARKET_DATA_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
    KAFKA_BROKERS: brokers,
    GATEWAY_RATE_LIMIT_PER_S: '10000',
    GATEWAY_RATE_LIMIT_BURST: '10000',
  });
  await gateway.waitForLine(/"msg":"market feed consuming"/, 30_000);
  base = `http://127.0.0.1:${port}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  token = await devClientToken(base, 'trader');
});

after(async () => {
  gateway?.kill('SIGTERM');
  symbol?.kill('SIGTERM');
  await Promise.all([gateway?.exited, symbol?.exited]);
  await bus?.close();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('live subscriptions fed from the bus', () => {
  test('quotes published on the bus reach a graphql-ws subscriber within a second, exact', async () => {
    const client = wsClient();
    const received: {
      quotes: { instrumentId: string; bidPrice: string; sequence: string; publishTime: string };
    }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription { quotes(instrumentIds: ["EURUSD.EBSM", "GBPUSD.EBSM"]) { instrumentId bidPrice sequence publishTime } }`,
        },
        {
          next: (v) => {
            received.push(v.data as (typeof received)[number]);
            if (received.length === 2) resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    // The subscription is registered once the server has it; publish until it sees data.
    const sent = quote('EURUSD.EBSM', 1, 108765);
    const started = Date.now();
    const pump = setInterval(() => void bus.publish('quotes', quote('GBPUSD.EBSM', 1, 127001)), 100);
    await bus.publish('quotes', sent);
    try {
      await waitFor(
        'the EURUSD quote',
        async () => {
          if (!received.some((r) => r.quotes.instrumentId === 'EURUSD.EBSM'))
            await bus.publish('quotes', sent);
          return received.some((r) => r.quotes.instrumentId === 'EURUSD.EBSM');
        },
        5000,
        200,
      );
      await done;
    } finally {
      clearInterval(pump);
    }
    assert.ok(Date.now() - started < 1500, `first quotes after ${Date.now() - started} ms`);
    const eur = received.find((r) => r.quotes.instrumentId === 'EURUSD.EBSM')!.quotes;
    assert.equal(eur.bidPrice, '1.08765');
    assert.match(eur.publishTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await client.dispose();
    // market-data is not running: `quote` answers from the quotes this gateway consumed.
    const res = await graphql(
      `${base}/graphql`,
      '{ quote(instrumentId: "EURUSD.EBSM") { bidPrice askPrice } }',
      undefined,
      {
        authorization: `Bearer ${token}`,
      },
    );
    assert.deepEqual(res.body, { data: { quote: { bidPrice: '1.08765', askPrice: '1.08767' } } });
    const unseen = await graphql(
      `${base}/graphql`,
      '{ quote(instrumentId: "MSFT.XNAS") { bidPrice } }',
      undefined,
      {
        authorization: `Bearer ${token}`,
      },
    );
    assert.equal(unseen.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
  });

  test('a slow client that reads nothing neither delays a fast one nor grows its mailbox', async () => {
    // Aliases make each update ~120 KB, so that the slow client's socket buffers (loopback TCP
    // autotunes them to several MB) fill within a second or two.
    const padding = Array.from({ length: 3000 }, (_, i) => `t${i}: publishTime`).join(' ');
    const doc = `subscription { quotes(instrumentIds: ${JSON.stringify(INSTRUMENTS)}) { instrumentId sequence ${padding} } }`;
    type Update = { quotes: { instrumentId: string; sequence: string } };

    // The slow client: subscribes, then stops reading its socket altogether.
    const slow = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const slowLatest = new Map<string, number>();
    let slowCount = 0;
    slow.on('message', (m) => {
      const msg = JSON.parse(String(m)) as { type: string; payload?: { data: Update } };
      if (msg.type !== 'next') return;
      slowCount++;
      slowLatest.set(msg.payload!.data.quotes.instrumentId, Number(msg.payload!.data.quotes.sequence));
    });
    await new Promise((r) => slow.once('open', r));
    const acked = new Promise((r) => slow.once('message', r));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await acked;
    slow.send(JSON.stringify({ type: 'subscribe', id: 's', payload: { query: doc } }));

    const fast = wsClient();
    const fastLatest = new Map<string, number>();
    let fastCount = 0;
    fast.subscribe(
      { query: doc },
      {
        next: (v) => {
          fastCount++;
          const q = (v.data as Update).quotes;
          fastLatest.set(q.instrumentId, Number(q.sequence));
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await waitFor('both subscriptions', async () => (await metric('gateway_live_subscriptions')) === 2);
    await waitFor(
      'both clients receiving',
      async () => {
        await bus.publish('quotes', quote(INSTRUMENTS[0]!, 0, 100000));
        return fastLatest.has(INSTRUMENTS[0]!) && slowLatest.has(INSTRUMENTS[0]!);
      },
      10_000,
      200,
    );
    const socket = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();

    // Quotes at a pace the fast client keeps up with: one per instrument per publish.
    let sequence = 0;
    let pendingMax = 0;
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline && sequence < 3000) {
      sequence++;
      await bus.publishMany(
        'quotes',
        INSTRUMENTS.map((id) => quote(id, sequence, 100000 + sequence)),
      );
      if (sequence % 500 === 0) pendingMax = Math.max(pendingMax, await metric('gateway_live_pending_max'));
    }
    const published = Date.now();
    await waitFor(
      'the fast client to see the last quote of every instrument',
      async () => INSTRUMENTS.every((id) => fastLatest.get(id) === sequence),
      10_000,
      20,
    );
    const lag = Date.now() - published;
    pendingMax = Math.max(pendingMax, await metric('gateway_live_pending_max'));
    const fastTotal = fastCount;

    // The slow client reads again: it gets what its socket held, then the latest of each instrument.
    socket.resume();
    await waitFor(
      'the slow client to catch up',
      async () => INSTRUMENTS.every((id) => slowLatest.get(id) === sequence),
      10_000,
      20,
    );
    assert.ok(lag < 1000, `the fast client had the last quotes ${lag} ms after the last publish`);
    assert.ok(slowCount < fastTotal, `the slow client received ${slowCount}, the fast one ${fastTotal}`);
    // While blocked, the slow client's mailbox held the latest quote of each instrument, no more.
    assert.ok(pendingMax > 0 && pendingMax <= INSTRUMENTS.length, `the fullest mailbox held ${pendingMax}`);
    slow.terminate();
    await fast.dispose();
  });

  test('a slow trades client keeps a bounded buffer and is told exactly which trades it missed', async () => {
    const id = INSTRUMENTS[1]!;
    // ~20 KB per trade, so that the paused client's socket buffers fill after a few hundred.
    const padding = Array.from({ length: 500 }, (_, i) => `t${i}: publishTime`).join(' ');
    const doc = `subscription { trades(instrumentIds: ["${id}"]) { sequence tradeId gap { count firstSequence lastSequence firstTradeId lastTradeId from to } ${padding} } }`;
    type Gap = { count: number; firstSequence: string; lastSequence: string; from: string; to: string };
    type Update = { trades: { sequence: string; tradeId: string; gap: Gap | null } };
    const base0 = 1_800_000_000_000_000;
    const isoOf = (micros: number) =>
      `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19)}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
    const trade = (n: number): eventsV1.TradeEvent => ({
      ...eventsV1.TradeEvent.decode(new Uint8Array(0)),
      instrumentId: id,
      venue: 'SIM',
      sequence: String(n),
      tradeId: `T${n}`,
      priceScale: 5,
      price: String(130000 + n),
      size: '1000',
      exchangeTimeMicros: String(base0 + n),
      receiveTimeMicros: String(base0 + n),
      publishTimeMicros: String(base0 + n),
    });

    // The slow client: a raw socket that stops reading after its first trade.
    const slow = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const slowSeen: Update['trades'][] = [];
    const slowOther: string[] = [];
    slow.on('message', (m) => {
      const msg = JSON.parse(String(m)) as { type: string; payload?: { data: Update } };
      if (msg.type === 'next') slowSeen.push(msg.payload!.data.trades);
      else if (msg.type !== 'connection_ack' && msg.type !== 'ping' && msg.type !== 'pong')
        slowOther.push(String(m));
    });
    let slowClosed = false;
    slow.once('close', () => (slowClosed = true));
    await new Promise((r) => slow.once('open', r));
    const acked = new Promise((r) => slow.once('message', r));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await acked;
    slow.send(JSON.stringify({ type: 'subscribe', id: 's', payload: { query: doc } }));

    const fast = wsClient();
    const fastSeen: Update['trades'][] = [];
    fast.subscribe(
      { query: doc },
      {
        next: (v) => void fastSeen.push((v.data as Update).trades),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const droppedBefore = await metric('gateway_live_facts_dropped_total');
    await waitFor(
      'both clients receiving',
      async () => {
        await bus.publish('trades', trade(0));
        return fastSeen.length > 0 && slowSeen.length > 0;
      },
      10_000,
      200,
    );
    const socket = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();

    // 2500 trades: more than the socket buffers plus the 1024 the gateway keeps per instrument.
    const N = 2500;
    let pendingMax = 0;
    for (let n = 1; n <= N; n += 50) {
      await bus.publishMany(
        'trades',
        Array.from({ length: Math.min(50, N - n + 1) }, (_, i) => trade(n + i)),
      );
      if (n % 500 === 1) pendingMax = Math.max(pendingMax, await metric('gateway_live_pending_max'));
    }
    await waitFor(
      'the fast client to see every trade',
      async () => fastSeen.at(-1)?.sequence === String(N),
      30_000,
      50,
    );
    pendingMax = Math.max(pendingMax, await metric('gateway_live_pending_max'));
    // The fast client got every trade, in order, and no gap.
    assert.deepEqual(
      // Trade 0 was published until both received it: maybe more than once.
      fastSeen.filter((t) => t.sequence !== '0').map((t) => [Number(t.sequence), t.gap]),
      Array.from({ length: N }, (_, i) => [i + 1, null]),
    );

    socket.resume();
    await waitFor(
      'the slow client to reach the last trade',
      async () => slowSeen.at(-1)?.sequence === String(N),
      20_000,
      50,
    );
    // Every trade 1..N reached the slow client exactly once, either itself or inside a gap, in order.
    const covered: number[] = [];
    let gaps = 0;
    for (const t of slowSeen.filter((x) => x.sequence !== '0')) {
      if (t.gap) {
        gaps++;
        const [from, to] = [Number(t.gap.firstSequence), Number(t.gap.lastSequence)];
        assert.equal(t.gap.count, to - from + 1, JSON.stringify(t.gap));
        assert.deepEqual([t.gap.from, t.gap.to], [isoOf(base0 + from), isoOf(base0 + to)]);
        for (let n = from; n <= to; n++) covered.push(n);
      }
      covered.push(Number(t.sequence));
    }
    const fromOne = covered.filter((n) => n >= 1);
    assert.deepEqual(
      fromOne,
      Array.from({ length: N }, (_, i) => i + 1),
    );
    assert.ok(gaps >= 1, 'the slow client was told of at least one gap');
    // Its buffer stayed bounded meanwhile, and it was never disconnected.
    assert.ok(pendingMax > 0 && pendingMax <= 1024, `the fullest mailbox held ${pendingMax}`);
    assert.ok((await metric('gateway_live_facts_dropped_total')) > droppedBefore);
    assert.deepEqual(slowOther, [], 'no error or complete for the slow client');
    assert.equal(slowClosed, false);
    slow.terminate();
    await fast.dispose();
  });

  test('alerts consumed from the bus are answered by the alerts query', async () => {
    const alert: eventsV1.AlertEvent = {
      ...eventsV1.AlertEvent.decode(new Uint8Array(0)),
      alertId: `gap-${Date.now()}`,
      kind: eventsV1.AlertKind.ALERT_KIND_SEQUENCE_GAP,
      severity: eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
      instrumentId: 'USDJPY.EBSM',
      message: 'sequence gap: expected 10, got 13',
      source: 'market-data',
      raisedAtMicros: '1700000000000007',
    };
    await bus.publish('alerts', alert);
    const res = await waitFor(
      'the alert',
      async () => {
        const r = await graphql<{ alerts: { alertId: string; raisedAt: string; kind: string }[] }>(
          `${base}/graphql`,
          '{ alerts(instrumentId: "USDJPY.EBSM") { alertId raisedAt kind } }',
          undefined,
          { authorization: `Bearer ${token}` },
        );
        return r.body.data?.alerts.length ? r.body.data.alerts : undefined;
      },
      10_000,
      100,
    );
    assert.deepEqual(res, [
      { alertId: alert.alertId, raisedAt: '2023-11-14T22:13:20.000007Z', kind: 'SEQUENCE_GAP' },
    ]);
  });
});
