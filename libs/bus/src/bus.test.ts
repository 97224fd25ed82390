// Round trip of every topic kind, and per-key ordering on a multi-partition topic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
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
      assert.equal(event.headers['schema'], SCHEMA[t]);
      assert.equal(event.headers['schema-version'], '1');
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
