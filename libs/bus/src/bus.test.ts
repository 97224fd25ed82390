// Round trip of every topic kind, and per-key ordering on a multi-partition topic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, createTraceState, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ConsumedEvent } from './consumer';
import { TOPIC_NAMES, type TopicName } from './topics';
import { EXPECTED_KEY, SAMPLES, SCHEMA, normalise, quote } from './testing/fixtures';
import { startTestBroker, testBus, uniquePrefix, waitFor, type TestBroker } from './testing/support';

let broker: TestBroker;
before(async () => {
  // Test-only: a context manager so that the active context follows async calls.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  broker = await startTestBroker();
});
after(async () => {
  await broker?.close();
  context.disable();
  propagation.disable();
});

function withSpan<R>(traceId: string, fn: () => R): R {
  const ctx = trace.setSpanContext(context.active(), {
    traceId,
    spanId: traceId.slice(0, 16),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  return context.with(ctx, fn);
}

async function roundTripAllTopics(label: string): Promise<void> {
  const bus = testBus(broker.brokers, uniquePrefix());
  try {
    await bus.ensureTopics();
    const got = new Map<TopicName, { event: ConsumedEvent; activeTraceId: string | undefined }>();
    await bus.consume({
      groupId: `${bus.config.topicPrefix}roundtrip`,
      topics: TOPIC_NAMES,
      fromBeginning: true,
      handler: (event) => {
        got.set(event.topic, { event, activeTraceId: trace.getSpanContext(context.active())?.traceId });
      },
    });
    const traceIds = new Map<TopicName, string>();
    await Promise.all(
      TOPIC_NAMES.map((t, i) => {
        const traceId = (i + 1).toString(16).padStart(2, '0').repeat(16);
        traceIds.set(t, traceId);
        return withSpan(traceId, () => bus.publish(t, SAMPLES[t] as never));
      }),
    );
    await waitFor('one event per topic', () => got.size === TOPIC_NAMES.length);
    for (const t of TOPIC_NAMES) {
      const { event, activeTraceId } = got.get(t)!;
      assert.deepEqual(normalise(event.value), normalise(SAMPLES[t]), `${label}: ${t} value`);
      assert.equal(event.key, EXPECTED_KEY[t], `${label}: ${t} key`);
      assert.equal(event.topicName, bus.config.topicPrefix + t);
      assert.equal(event.headers['event-schema'], `${SCHEMA[t]};v=1`);
      assert.equal(event.headers['schema'], undefined, 'name and version travel in one header');
      assert.match(event.headers['traceparent']!, new RegExp(`^00-${traceIds.get(t)}-[0-9a-f]{16}-01$`));
      assert.equal(activeTraceId, traceIds.get(t), `${label}: ${t} handler runs in the producer's trace`);
      assert.equal(event.attempt, 1);
    }
  } finally {
    await bus.close();
  }
}

test('every topic round-trips: value, key, schema headers, trace context (no propagator registered)', async () => {
  await roundTripAllTopics('fallback W3C');
});

test('trace context also flows through a registered W3C propagator', async () => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  try {
    await roundTripAllTopics('registered propagator');
  } finally {
    propagation.disable();
  }
});

test('no trace active: no traceparent header, handler runs in the root context', async () => {
  const bus = testBus(broker.brokers, uniquePrefix());
  try {
    await bus.ensureTopics();
    const seen: ConsumedEvent<'quotes'>[] = [];
    const consumer = await bus.consume({
      groupId: 'g',
      topics: ['quotes'],
      fromBeginning: true,
      handler: (e) => {
        assert.equal(trace.getSpanContext(context.active()), undefined);
        seen.push(e);
      },
    });
    assert.equal(consumer.state(), 'running');
    assert.equal(bus.isHealthy(), true);
    await bus.publish('quotes', quote('X', 1));
    await waitFor('quote', () => seen.length === 1);
    assert.equal(seen[0]!.headers['traceparent'], undefined);
    assert.deepEqual(bus.health(), {
      healthy: true,
      producer: 'connected',
      consumers: [{ groupId: 'g', topics: ['quotes'], state: 'running' }],
    });
    await consumer.close();
    assert.equal(consumer.state(), 'closed');
  } finally {
    await bus.close();
  }
});

test('consecutive messages run in their own producer trace, trace state included', async () => {
  const bus = testBus(broker.brokers, uniquePrefix(), { producer: { lingerMs: 50 } }, 1);
  try {
    await bus.ensureTopics();
    const seen: { sequence: string; traceId?: string; state?: string; traceparent?: string }[] = [];
    await bus.consume({
      groupId: 'traces',
      topics: ['quotes'],
      fromBeginning: true,
      handler: (e) => {
        const sc = trace.getSpanContext(context.active());
        seen.push({
          sequence: e.value.sequence,
          traceId: sc?.traceId,
          state: sc?.traceState?.serialize(),
          traceparent: e.headers['traceparent'],
        });
      },
    });
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    const inTrace = <R>(traceId: string, state: string, fn: () => R): R =>
      context.with(
        trace.setSpanContext(context.active(), {
          traceId,
          spanId: '0123456789abcdef',
          traceFlags: TraceFlags.SAMPLED,
          isRemote: false,
          traceState: createTraceState(state),
        }),
        fn,
      );
    // One linger batch, so that the runs below arrive back to back in one fetch.
    await Promise.all([
      inTrace(a, 'v=1', () => bus.publishMany('quotes', [quote('K', 1), quote('K', 2), quote('K', 3)])),
      inTrace(a, 'v=2', () => bus.publishMany('quotes', [quote('K', 4), quote('K', 5)])),
      inTrace(b, 'v=2', () => bus.publish('quotes', quote('K', 6))),
      bus.publishMany('quotes', [quote('K', 7), quote('K', 8)]),
      inTrace(a, 'v=1', () => bus.publish('quotes', quote('K', 9))),
    ]);
    await waitFor('nine quotes', () => seen.length === 9);
    const want = [
      [a, 'v=1'],
      [a, 'v=1'],
      [a, 'v=1'],
      [a, 'v=2'],
      [a, 'v=2'],
      [b, 'v=2'],
      [undefined, undefined],
      [undefined, undefined],
      [a, 'v=1'],
    ];
    assert.deepEqual(
      seen.map((s) => [s.sequence, s.traceId, s.state]),
      want.map(([traceId, state], i) => [String(i + 1), traceId, state]),
    );
    assert.equal(seen[0]!.traceparent, `00-${a}-0123456789abcdef-01`);
    assert.equal(seen[6]!.traceparent, undefined);
  } finally {
    await bus.close();
  }
});

test('per-key order holds across many keys on a multi-partition topic', async () => {
  const partitions = 6;
  const bus = testBus(
    broker.brokers,
    uniquePrefix(),
    { producer: { lingerMs: 2, batchSize: 200 } },
    partitions,
  );
  try {
    const ensured = await bus.ensureTopics();
    assert.equal(ensured.find((e) => e.topic.endsWith('.quotes'))!.partitions, partitions);
    const keys = Array.from({ length: 40 }, (_, i) => `INST-${i}`);
    const perKey = 60;
    const seen = new Map<string, number[]>();
    const partitionOf = new Map<string, Set<number>>();
    let total = 0;
    await bus.consume({
      groupId: 'ordering',
      topics: ['quotes'],
      fromBeginning: true,
      partitionsConsumedConcurrently: 3,
      handler: async (e) => {
        // An async handler with a yield in it: order must still hold within a partition.
        if (Number(e.value.sequence) % 7 === 0) await new Promise((r) => setImmediate(r));
        const list = seen.get(e.key!) ?? [];
        list.push(Number(e.value.sequence));
        seen.set(e.key!, list);
        const ps = partitionOf.get(e.key!) ?? new Set<number>();
        ps.add(e.partition);
        partitionOf.set(e.key!, ps);
        total++;
      },
    });
    // Interleave keys, mixing single publishes (not awaited one by one) with publishMany.
    const sends: Promise<void>[] = [];
    for (let s = 1; s <= perKey; s++) {
      if (s % 2 === 0)
        sends.push(
          bus.publishMany(
            'quotes',
            keys.map((k) => quote(k, s)),
          ),
        );
      else for (const k of keys) sends.push(bus.publish('quotes', quote(k, s)));
    }
    await Promise.all(sends);
    await waitFor('all quotes', () => total === keys.length * perKey, 30_000);
    const usedPartitions = new Set<number>();
    for (const k of keys) {
      assert.deepEqual(
        seen.get(k),
        Array.from({ length: perKey }, (_, i) => i + 1),
        `order of ${k}`,
      );
      assert.equal(partitionOf.get(k)!.size, 1, `${k} stays on one partition`);
      usedPartitions.add([...partitionOf.get(k)!][0]!);
    }
    assert.ok(usedPartitions.size >= 4, `keys spread over partitions (${usedPartitions.size})`);
  } finally {
    await bus.close();
  }
});
