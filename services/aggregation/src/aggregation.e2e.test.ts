import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import type { Bus } from '@tapeline/bus';
import type { eventsV1 } from '@tapeline/contracts';
import { waitFor } from '@tapeline/test-kit';
import {
  BarsTap,
  startAggregation,
  startMesh,
  tempDir,
  testBus,
  trade,
  uniquePrefix,
  type AggregationProcess,
  type Mesh,
} from './testing/harness';

const BUY = 1;
const SELL = 2;
const GRACE_MS = 1000;
const SECOND = 1_000_000;

async function redisReachable(): Promise<boolean> {
  const probe = new Redis('redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function grpcError(code: status, message: RegExp) {
  return (err: { code: number; details: string }) => {
    assert.equal(err.code, code);
    assert.match(err.details, message);
    return true;
  };
}

let mesh: Mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await mesh.close();
});

describe('aggregation service', () => {
  const prefix = uniquePrefix();
  const redisPrefix = `${prefix}test:`;
  const dir = tempDir('main');
  let bus: Bus;
  let tap: BarsTap;
  let agg: AggregationProcess;
  let redis: Redis | null = null;
  // The first second of the fixture, set when it is published: two seconds ahead, so that its
  // trades are not late when they come.
  let S = 0;
  before(async () => {
    const withRedis = await redisReachable();
    agg = await startAggregation(mesh, prefix, dir.path, {
      AGGREGATION_CLOSE_GRACE_MS: String(GRACE_MS),
      ...(withRedis ? { REDIS_URL: 'redis://127.0.0.1:6379', AGGREGATION_REDIS_PREFIX: redisPrefix } : {}),
    });
    if (withRedis) redis = new Redis('redis://127.0.0.1:6379');
    bus = testBus(mesh.brokers, prefix);
    tap = new BarsTap(bus);
    await tap.start();
    S = (Math.floor(Date.now() / 1000) + 2) * SECOND;
    await bus.publishMany('trades', [
      trade('AAPL.XNAS', 1, S + 100_000, 19000, 100, BUY),
      trade('AAPL.XNAS', 2, S + 500_000, 19005, 50, SELL),
      trade('AAPL.XNAS', 3, S + 900_000, 18995, 30, BUY),
      trade('AAPL.XNAS', 4, S + 1_200_000, 19010, 20, BUY),
    ]);
  });
  after(async () => {
    await tap.close();
    await bus.close();
    if (redis) {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    await agg.kill('SIGTERM');
    dir.remove();
  });

  test('publishes closed 1s and tick bars equal to hand-computed values', async () => {
    await waitFor('two closed 1s bars of AAPL', async () => tap.of('AAPL.XNAS', '1s').length >= 2, 15_000);
    const [first, second] = tap.of('AAPL.XNAS', '1s');
    // 19000x100 + 19005x50 + 18995x30 = 3,420,100 over 180 = 19000.55.. -> 19001.
    assert.deepEqual(
      {
        ...first,
        footprint: first!.footprint.map((l) => [l.price, l.bidVolume, l.askVolume, l.bidTrades, l.askTrades]),
      },
      {
        instrumentId: 'AAPL.XNAS',
        barType: '1s',
        openTimeMicros: String(S),
        closeTimeMicros: String(S + SECOND),
        priceScale: 2,
        sizeScale: 0,
        open: '19000',
        high: '19005',
        low: '18995',
        close: '18995',
        volume: '180',
        buyVolume: '130',
        sellVolume: '50',
        tradeCount: 3,
        vwap: '19001',
        closed: true,
        footprint: [
          ['18995', '0', '30', 0, 1],
          ['19000', '0', '100', 0, 1],
          ['19005', '50', '0', 1, 0],
        ],
        pocPrice: '19000',
      },
    );
    // The second bar closed with no trade after it: the clock closed it.
    assert.equal(second!.openTimeMicros, String(S + SECOND));
    assert.deepEqual(
      [second!.open, second!.high, second!.low, second!.close, second!.volume],
      ['19010', '19010', '19010', '19010', '20'],
    );
    const [tick] = tap.of('AAPL.XNAS', 'tick:3');
    assert.deepEqual(
      [tick!.openTimeMicros, tick!.closeTimeMicros, tick!.open, tick!.close, tick!.volume, tick!.tradeCount],
      [String(S + 100_000), String(S + 900_000), '19000', '18995', '180', 3],
    );
  });

  test('ListBars pages through history holding exactly the published bars', async () => {
    const published = tap.of('AAPL.XNAS', '1s').slice(0, 2);
    const range = { from: { unixMicros: String(S) }, to: { unixMicros: String(S + 2 * SECOND) } };
    type Page = { bars: eventsV1.BarEvent[]; pageInfo: { nextPageToken: string; totalSize: number } };
    const page1 = await waitFor('both bars stored', async () => {
      const p = await agg.client.call<Page>('listBars', {
        instrumentId: 'AAPL.XNAS',
        barType: '1s',
        range,
        page: { pageSize: 1 },
      });
      return p.pageInfo.totalSize === 2 ? p : undefined;
    });
    assert.notEqual(page1.pageInfo.nextPageToken, '');
    const page2 = await agg.client.call<Page>('listBars', {
      instrumentId: 'AAPL.XNAS',
      barType: '1s',
      range,
      page: { pageSize: 1, pageToken: page1.pageInfo.nextPageToken },
    });
    assert.equal(page2.pageInfo.nextPageToken, '');
    assert.deepEqual([...page1.bars, ...page2.bars], published);
    await assert.rejects(
      agg.client.call('listBars', {
        instrumentId: 'AAPL.XNAS',
        barType: '1s',
        page: { pageToken: 'bm9wZQ' },
      }),
      grpcError(status.INVALID_ARGUMENT, /page_token/),
    );
  });

  test('closes a bar on time when no trade follows', async () => {
    const now = Date.now();
    const end = (Math.floor(now / 1000) + 1) * 1000;
    await bus.publish('trades', trade('MSFT.XNAS', 1, now * 1000, 41210, 7, SELL));
    await waitFor('MSFT 1s bar', async () => tap.of('MSFT.XNAS', '1s').length > 0, 10_000);
    const closed = tap.closed.find((c) => c.bar.instrumentId === 'MSFT.XNAS' && c.bar.barType === '1s')!;
    assert.equal(closed.bar.openTimeMicros, String((end - 1000) * 1000));
    assert.deepEqual([closed.bar.close, closed.bar.volume, closed.bar.sellVolume], ['41210', '7', '7']);
    // Held open for the grace period, then closed within a clock tick (and some slack for a busy machine).
    assert.ok(closed.at >= end + GRACE_MS - 50, `closed ${closed.at - end} ms after its end`);
    assert.ok(closed.at <= end + GRACE_MS + 4000, `closed ${closed.at - end} ms after its end`);
  });

  test('answers VWAP, delta, profile and indicators from the aggregates and history', async () => {
    const c = agg.client;
    // Session VWAP of the four trades: 3,800,300 / 200 = 19001.5 -> half-even 19002.
    const vwap = await c.call<{ vwap: string; volume: string; bands: unknown[] }>('getVwap', {
      instrumentId: 'AAPL.XNAS',
      mode: 1,
    });
    assert.deepEqual([vwap.vwap, vwap.volume, vwap.bands.length], ['19002', '200', 3]);
    const anchored = await c.call<{ vwap: string; volume: string }>('getVwap', {
      instrumentId: 'AAPL.XNAS',
      mode: 2,
      anchor: { unixMicros: String(S + SECOND) },
    });
    assert.deepEqual([anchored.vwap, anchored.volume], ['19010', '20']);

    const delta = await c.call<{ bars: { delta: string; cumulativeDelta: string }[] }>('getDelta', {
      instrumentId: 'AAPL.XNAS',
      barType: '1s',
      range: { from: { unixMicros: String(S) }, to: { unixMicros: String(S + 2 * SECOND) } },
    });
    assert.deepEqual(
      delta.bars.map((b) => [b.delta, b.cumulativeDelta]),
      [
        ['80', '80'],
        ['20', '100'],
      ],
    );

    // Rows of 5 ticks: 18995, 19000, 19005, 19010. Value area 70 % of 200 = 140: POC 19000 (100),
    // then the pair above (19005 + 19010 = 70) beats the one row below (18995: 30).
    const profile = await c.call<Record<string, unknown>>('getVolumeProfile', {
      instrumentId: 'AAPL.XNAS',
      rowTicks: 5,
    });
    assert.deepEqual(
      [profile.pocPrice, profile.valueAreaLow, profile.valueAreaHigh, profile.totalVolume],
      ['19000', '19000', '19010', '200'],
    );
    assert.equal((profile.levels as unknown[]).length, 4);

    const ind = await c.call<{
      series: { valueNames: string[]; points: { time: { unixMicros: string }; values: number[] }[] }[];
    }>('getIndicators', { instrumentId: 'AAPL.XNAS', barType: '1s', kinds: [1], period: 2, limit: 1000 });
    const sma = ind.series[0]!;
    assert.deepEqual(sma.valueNames, ['sma']);
    const at = sma.points.find((p) => p.time.unixMicros === String(S + SECOND))!;
    assert.ok(Math.abs(at.values[0]! - (189.95 + 190.1) / 2) < 1e-9, `SMA(2) ${at.values[0]}`);

    if (redis) {
      const state = JSON.parse((await redis.hget(`${redisPrefix}agg:AAPL.XNAS`, 'state'))!) as Record<
        string,
        unknown
      >;
      assert.equal(state.cumulativeDelta, 100);
      assert.deepEqual(state.sessionVwap && (state.sessionVwap as { vwap: number }).vwap, 19002);
    }
  });

  test('refuses unknown instruments and bad bar types with typed errors', async () => {
    const c = agg.client;
    await assert.rejects(
      c.call('getFormingBar', { instrumentId: 'AAPL.XNAS', barType: '2m' }),
      grpcError(status.INVALID_ARGUMENT, /"2m" is not aggregated here/),
    );
    await assert.rejects(
      c.call('listBars', { instrumentId: 'AAPL.XNAS', barType: 'banana' }),
      grpcError(status.INVALID_ARGUMENT, /banana/),
    );
    await assert.rejects(
      c.call('listBars', { instrumentId: 'NOPE.XNAS', barType: '1s' }),
      grpcError(status.NOT_FOUND, /NOPE.XNAS/),
    );
    await assert.rejects(
      c.call('getVwap', { instrumentId: 'NOPE.XNAS', mode: 1 }),
      grpcError(status.NOT_FOUND, /NOPE.XNAS/),
    );
  });

  test('dead-letters a malformed payload, an unknown instrument and an off-tick price, and consumes on', async () => {
    const kafka = new Kafka({ clientId: 'agg-e2e-raw', brokers: [mesh.brokers], logLevel: logLevel.NOTHING });
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: `${prefix}trades`,
      messages: [{ key: 'AAPL.XNAS', value: Buffer.from([0xff, 0xff, 0xff]) }],
    });
    await raw.disconnect();
    const now = Date.now() * 1000;
    await bus.publish('trades', trade('NOPE.XNAS', 1, now, 100, 1, BUY));
    await bus.publish('trades', trade('ESZ6.XCME', 1, now, 527510, 1, BUY)); // tick is 0.25: 5275.10 is off tick

    const stream = agg.client.raw.streamBars!({ instrumentIds: ['AAPL.XNAS'], barTypes: ['1m'] });
    const streamed: eventsV1.BarEvent[] = [];
    stream.on('data', (m: { bar: eventsV1.BarEvent }) => streamed.push(m.bar));
    stream.on('error', () => undefined);
    await bus.publish('trades', trade('AAPL.XNAS', 5, now, 19020, 5, BUY));

    const reasons: string[] = [];
    const dlq = kafka.consumer({ groupId: `dlq-${Date.now()}` });
    await dlq.connect();
    await dlq.subscribe({ topic: `${prefix}trades.dlq`, fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => void reasons.push(String(message.headers?.['dlq-reason'])),
    });
    await waitFor('three dead letters', async () => reasons.length >= 3, 15_000);
    await dlq.disconnect();
    assert.equal(reasons.length, 3);
    assert.ok(
      reasons.some((r) => /^decode-error/.test(r)),
      reasons.join(' | '),
    );
    assert.ok(
      reasons.some((r) => /unknown instrument "NOPE.XNAS"/.test(r)),
      reasons.join(' | '),
    );
    assert.ok(
      reasons.some((r) => /OFF_TICK_PRICE/.test(r)),
      reasons.join(' | '),
    );

    // The trade after them was counted: the forming 1m bar closes at its price, and StreamBars saw it.
    await waitFor(
      'a streamed 1m update with trade 5',
      async () => streamed.some((b) => b.close === '19020'),
      10_000,
    );
    const forming = await agg.client.call<{ bar: eventsV1.BarEvent }>('getFormingBar', {
      instrumentId: 'AAPL.XNAS',
      barType: '1m',
    });
    assert.equal(forming.bar.close, '19020');
    assert.equal(forming.bar.closed, false);
    (stream as unknown as { cancel(): void }).cancel();
  });

  test('serves the depth heatmap from history on the requested grid', async () => {
    const now = Date.now() * 1000;
    await bus.publish('depth', {
      instrumentId: 'AAPL.XNAS',
      venue: 'XNAS',
      sequence: '1',
      previousSequence: '0',
      kind: 1,
      priceScale: 2,
      sizeScale: 0,
      bids: [
        { price: '19000', size: '10' },
        { price: '18999', size: '5' },
      ],
      asks: [{ price: '19001', size: '7' }],
      exchangeTimeMicros: String(now),
      receiveTimeMicros: String(now),
      publishTimeMicros: String(now),
    });
    type Heatmap = { prices: string[]; columns: { bidSizes: string[]; askSizes: string[] }[] };
    const map = await waitFor(
      'heatmap columns',
      async () => {
        const res = await agg.client.call<Heatmap>('getHeatmap', {
          instrumentId: 'AAPL.XNAS',
          range: {
            from: { unixMicros: String(now - 10 * SECOND) },
            to: { unixMicros: String(now + 10 * SECOND) },
          },
          timeStepSeconds: 1,
          priceBucketTicks: 2,
        });
        return res.columns.length >= 2 ? res : undefined;
      },
      10_000,
    );
    // Buckets of two ticks: 18999 falls in 18998, 19000 and 19001 in 19000; the book repeats per column.
    assert.deepEqual(map.prices, ['18998', '19000']);
    for (const column of map.columns)
      assert.deepEqual(
        [column.bidSizes, column.askSizes],
        [
          ['5', '10'],
          ['0', '7'],
        ],
      );
  });

  test('logs no error while doing all this', () => {
    const errors = agg.proc.logs().filter((l) => l.level === 'error' || l.level === 'fatal');
    assert.deepEqual(errors, []);
  });
});
