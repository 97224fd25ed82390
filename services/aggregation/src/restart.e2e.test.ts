import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toBarEvent, type Bar } from '@tapeline/aggregates';
import type { eventsV1 } from '@tapeline/contracts';
import { waitFor } from '@tapeline/test-kit';
import { InstrumentRegistry } from './aggregation/instrument-registry';
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

const SECOND = 1_000_000;
const INSTRUMENTS = [
  { instrumentId: 'AAPL.XNAS', priceScale: 2, sizeScale: 0, tickSize: 1, base: 19000 },
  { instrumentId: 'MSFT.XNAS', priceScale: 2, sizeScale: 0, tickSize: 1, base: 41200 },
];
const PUBLISH_MS = 5000;
const KILL_AT_MS = 2000;
const EVERY_MS = 40;

let mesh: Mesh;
before(async () => {
  mesh = await startMesh();
});
after(async () => {
  await mesh.close();
});

/** The bars an uninterrupted run gives: the same aggregates fed every trade once, in order. */
function uninterrupted(
  trades: readonly eventsV1.TradeEvent[],
  endMicros: number,
): Map<string, eventsV1.BarEvent> {
  const out = new Map<string, eventsV1.BarEvent>();
  const registry = new InstrumentRegistry(
    { barTypes: ['1s', '1m', 'tick:3'], sessionStartMicrosOfDay: 0, divergenceLookback: 5, heatmap: true },
    {
      closedBar: (_i, bar: Bar) => void out.set(keyOf(toBarEvent(bar, 2, 0)), toBarEvent(bar, 2, 0)),
      heatmapColumn: () => undefined,
    },
  );
  for (const i of INSTRUMENTS) registry.add(i);
  for (const t of trades) registry.get(t.instrumentId)!.aggregates.onTradeEvent(t);
  for (const i of INSTRUMENTS) registry.get(i.instrumentId)!.aggregates.advanceTo(endMicros);
  return out;
}

/** How many instruments the service's checkpoint file holds now. */
function checkpointed(dataDir: string): number {
  try {
    return (
      JSON.parse(readFileSync(path.join(dataDir, 'state', 'checkpoint.json'), 'utf8')) as {
        instruments: unknown[];
      }
    ).instruments.length;
  } catch {
    return 0;
  }
}

const keyOf = (b: eventsV1.BarEvent): string => `${b.instrumentId} ${b.barType} ${b.openTimeMicros}`;

/** The bars that differ, in short (key: volume/trades/footprint rows), for a readable failure. */
function differences(actual: eventsV1.BarEvent[], expected: eventsV1.BarEvent[]): string {
  const short = (b: eventsV1.BarEvent | undefined) =>
    b ? `${b.volume}/${b.tradeCount}/${b.footprint.length}` : 'none';
  const a = new Map(actual.map((b) => [keyOf(b), b]));
  const e = new Map(expected.map((b) => [keyOf(b), b]));
  const keys = [...new Set([...a.keys(), ...e.keys()])].sort();
  return keys
    .filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(e.get(k)))
    .map((k) => `${k}: got ${short(a.get(k))}, want ${short(e.get(k))}`)
    .join('\n');
}

test('a SIGKILL mid-stream neither loses nor double-counts a bar: the bars equal an uninterrupted run', async () => {
  const prefix = uniquePrefix();
  const dir = tempDir('restart');
  // A long grace: on a loaded machine a trade may take seconds to arrive, and would then be late.
  const env = { AGGREGATION_CLOSE_GRACE_MS: '3000' };
  const bus = testBus(mesh.brokers, prefix);
  const tap = new BarsTap(bus);
  let first: AggregationProcess | undefined;
  let second: AggregationProcess | undefined;
  try {
    first = await startAggregation(mesh, prefix, dir.path, env);
    await tap.start();

    // One trade per instrument first, until the service has checkpointed both: from then on it
    // is consuming, and a kill finds a checkpoint behind the stream.
    const trades: eventsV1.TradeEvent[] = [];
    const last = new Map<string, number>();
    const next = (n: number): eventsV1.TradeEvent[] =>
      INSTRUMENTS.map((i, k) => {
        const time = Math.max((last.get(i.instrumentId) ?? 0) + 1, Date.now() * 1000);
        last.set(i.instrumentId, time);
        const price = i.base + ((n * 7 + k * 3) % 11) - 5;
        return trade(i.instrumentId, n + 1, time, price, 1 + ((n * 13 + k) % 50), (n + k) % 3 === 0 ? 2 : 1);
      });
    trades.push(...next(0));
    await bus.publishMany('trades', trades);
    await waitFor(
      'a checkpoint of both instruments',
      async () => checkpointed(dir.path) === INSTRUMENTS.length,
      30_000,
    );

    // Then trades at wall-clock time every 40 ms, while the service is killed at 2 s and started
    // again on the same data directory and topics.
    const started = Date.now();
    let restarting: Promise<AggregationProcess> | undefined;
    for (let n = 1; Date.now() - started < PUBLISH_MS; n++) {
      const batch = next(n);
      trades.push(...batch);
      await bus.publishMany('trades', batch);
      if (
        !restarting &&
        Date.now() - started >= KILL_AT_MS &&
        checkpointed(dir.path) === INSTRUMENTS.length
      ) {
        const victim = first;
        restarting = victim.kill('SIGKILL').then(() => startAggregation(mesh, prefix, dir.path, env));
      }
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
    second = await restarting!;
    const restored = second.proc.logs().find((l) => l.msg === 'aggregation state restored')?.restored as {
      instruments: number;
    };
    assert.equal(restored.instruments, 2, 'the second process started from a checkpoint');

    // The bar of the last trade closes by the clock once its second (and the grace) has passed.
    const lastTime = Math.max(...last.values());
    const end = (Math.floor(lastTime / SECOND) + 1) * SECOND;
    await waitFor(
      'the last 1s bars',
      async () =>
        INSTRUMENTS.every((i) => tap.of(i.instrumentId, '1s').some((b) => b.closeTimeMicros === String(end))),
      20_000,
    );

    // Every bar key once on the topic, or again with identical content (published, then killed
    // before it was stored): nothing counted twice.
    const seen = new Map<string, eventsV1.BarEvent>();
    for (const { bar } of tap.closed) {
      const before = seen.get(keyOf(bar));
      if (before) assert.deepEqual(bar, before, `re-published ${keyOf(bar)} differs`);
      seen.set(keyOf(bar), bar);
    }
    const upToEnd = (bars: Map<string, eventsV1.BarEvent>) =>
      [...bars.values()]
        .filter((b) => Number(b.closeTimeMicros) <= end)
        .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const expected = upToEnd(uninterrupted(trades, end));
    assert.deepEqual(upToEnd(seen), expected, differences(upToEnd(seen), expected));

    // Hand check, independent of the aggregates: the 1s bars hold every trade's size exactly once.
    for (const i of INSTRUMENTS) {
      const traded = trades
        .filter((t) => t.instrumentId === i.instrumentId)
        .reduce((s, t) => s + Number(t.size), 0);
      const inBars = [...seen.values()]
        .filter((b) => b.instrumentId === i.instrumentId && b.barType === '1s')
        .reduce((s, b) => s + Number(b.volume), 0);
      assert.equal(inBars, traded, `${i.instrumentId} volume in 1s bars`);
    }

    // History holds each bar once, equal to the published one.
    const oneSecond = expected.filter((b) => b.instrumentId === 'AAPL.XNAS' && b.barType === '1s');
    const stored = await waitFor('history complete', async () => {
      const res = await second!.client.call<{ bars: eventsV1.BarEvent[] }>('listBars', {
        instrumentId: 'AAPL.XNAS',
        barType: '1s',
        range: { from: { unixMicros: oneSecond[0]!.openTimeMicros }, to: { unixMicros: String(end) } },
        page: { pageSize: 5000 },
      });
      return res.bars.length === oneSecond.length ? res.bars : undefined;
    });
    assert.deepEqual(stored, oneSecond);
  } finally {
    await tap.close();
    await bus.close();
    await first?.kill('SIGKILL');
    await second?.kill('SIGTERM');
    dir.remove();
  }
});
