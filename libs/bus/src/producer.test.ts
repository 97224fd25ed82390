// Linger batching, flush on close, and loud failures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusPublishError } from './errors';
import type { ConsumedEvent } from './consumer';
import { quote } from './testing/fixtures';
import { startTestBroker, testBus, uniquePrefix, waitFor, type TestBroker } from './testing/support';

let broker: TestBroker;
before(async () => {
  broker = await startTestBroker();
});
after(async () => {
  await broker?.close();
});

test('concurrent publish calls coalesce into few sendBatch requests (linger)', async () => {
  const bus = testBus(broker.brokers, uniquePrefix(), { producer: { lingerMs: 20, batchSize: 5000 } });
  try {
    await bus.ensureTopics();
    await bus.connect();
    const before = bus.stats().sendBatchCalls;
    await Promise.all(Array.from({ length: 1000 }, (_, i) => bus.publish('quotes', quote(`I${i % 50}`, i))));
    const calls = bus.stats().sendBatchCalls - before;
    assert.ok(calls >= 1 && calls <= 3, `1000 publishes took ${calls} sendBatch calls`);
    assert.equal(bus.stats().messagesPublished, 1000);
  } finally {
    await bus.close();
  }
});

test('batchSize caps a request; publishMany spans several batches', async () => {
  const bus = testBus(broker.brokers, uniquePrefix(), { producer: { lingerMs: 5, batchSize: 100 } });
  try {
    await bus.ensureTopics();
    await bus.connect();
    const before = bus.stats().sendBatchCalls;
    await bus.publishMany(
      'quotes',
      Array.from({ length: 1000 }, (_, i) => quote(`I${i % 50}`, i)),
    );
    assert.equal(bus.stats().sendBatchCalls - before, 10);
  } finally {
    await bus.close();
  }
});

test('close() flushes what is still lingering', async () => {
  const prefix = uniquePrefix();
  const producerBus = testBus(broker.brokers, prefix, { producer: { lingerMs: 10_000 } });
  const consumerBus = testBus(broker.brokers, prefix);
  try {
    await producerBus.ensureTopics();
    const pending = producerBus.publish('bars', {
      instrumentId: 'AAPL.XNAS',
      barType: '1s',
      openTimeMicros: '1',
      closeTimeMicros: '2',
      priceScale: 4,
      sizeScale: 0,
      open: '1',
      high: '2',
      low: '1',
      close: '2',
      volume: '10',
      buyVolume: '6',
      sellVolume: '4',
      tradeCount: 3,
      vwap: '2',
      closed: true,
    });
    await producerBus.close();
    await pending; // acked by close, long before the 10 s linger
    const got: ConsumedEvent<'bars'>[] = [];
    await consumerBus.consume({
      groupId: 'g',
      topics: ['bars'],
      fromBeginning: true,
      handler: (e) => void got.push(e),
    });
    await waitFor('the flushed bar', () => got.length === 1);
    await assert.rejects(producerBus.publish('quotes', quote('A', 1)), /closed/);
  } finally {
    await producerBus.close();
    await consumerBus.close();
  }
});

test('a publish that keeps failing rejects with BusPublishError after the retry budget', async () => {
  const own = await startTestBroker(); // this test kills its broker
  const bus = testBus(own.brokers, uniquePrefix(), {
    producer: { retries: 2, retryInitialMs: 50, retryMaxMs: 100, ackTimeoutMs: 2000 },
    requestTimeoutMs: 2000,
  });
  try {
    await bus.ensureTopics();
    await bus.publish('quotes', quote('A', 1));
    assert.equal(bus.isHealthy(), true);
    await own.close();
    const started = Date.now();
    const err = await bus.publish('quotes', quote('A', 2)).then(
      () => assert.fail('publish to a dead broker resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BusPublishError, `got ${String(err)}`);
    assert.equal(err.topic, bus.topics.name('quotes'));
    assert.equal(err.attempts, 3);
    assert.match(err.message, new RegExp(`topic "${bus.topics.name('quotes').replace(/\./g, '\\.')}"`));
    assert.match(err.message, /after 3 attempts/);
    assert.ok(Date.now() - started < 20_000, 'bounded in time');
    assert.equal(bus.isHealthy(), false, 'a failing producer reports unhealthy');
    assert.equal(bus.health().producer, 'failing');
    assert.ok(bus.stats().publishFailures >= 1);
  } finally {
    await bus.close().catch(() => undefined);
    await own.close().catch(() => undefined);
  }
});

test('an event that cannot be encoded rejects at once, naming the topic', async () => {
  const bus = testBus(broker.brokers, uniquePrefix());
  try {
    await assert.rejects(
      bus.publish('quotes', { ...quote('A', 1), bidPrice: 'not-a-number' }),
      (e: unknown) => {
        assert.ok(e instanceof BusPublishError);
        assert.match(e.message, /quotes/);
        return true;
      },
    );
  } finally {
    await bus.close();
  }
});
