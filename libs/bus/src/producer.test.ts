// Linger batching, flush on close, and loud failures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusPublishError } from './errors';
import type { ConsumedEvent } from './consumer';
import { quote, SAMPLES } from './testing/fixtures';
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

test('calls split across requests and mixed with another topic each arrive once, in key order', async () => {
  const prefix = uniquePrefix();
  // batchSize 70 cuts both publishMany calls in the middle, and the single publishes of the
  // other topic share requests with them.
  const producerBus = testBus(broker.brokers, prefix, { producer: { lingerMs: 20, batchSize: 70 } });
  const consumerBus = testBus(broker.brokers, prefix);
  try {
    await producerBus.ensureTopics();
    const first = Array.from({ length: 100 }, (_, i) => quote(`K${i % 7}`, i));
    const second = Array.from({ length: 100 }, (_, i) => quote(`K${i % 7}`, 100 + i));
    const before = producerBus.stats().sendBatchCalls;
    await Promise.all([
      producerBus.publishMany('quotes', first),
      producerBus.publish('trades', SAMPLES.trades),
      producerBus.publishMany('quotes', second),
      producerBus.publish('trades', SAMPLES.trades),
    ]);
    // 202 messages at 70 per request.
    assert.equal(producerBus.stats().sendBatchCalls - before, 3);

    const seqByKey = new Map<string, number[]>();
    let trades = 0;
    await consumerBus.consume({
      groupId: 'g',
      topics: ['quotes', 'trades'],
      fromBeginning: true,
      handler: (e) => {
        if (e.topic === 'trades') trades++;
        else {
          const list = seqByKey.get(e.value.instrumentId) ?? [];
          list.push(Number(e.value.sequence));
          seqByKey.set(e.value.instrumentId, list);
        }
      },
    });
    const quotesSeen = (): number => [...seqByKey.values()].reduce((n, l) => n + l.length, 0);
    await waitFor('all 200 quotes and 2 trades', () => quotesSeen() === 200 && trades === 2);
    for (let k = 0; k < 7; k++) {
      const expected = Array.from({ length: 200 }, (_, i) => i).filter((i) => (i % 100) % 7 === k);
      assert.deepEqual(seqByKey.get(`K${k}`), expected, `key K${k} in publish order, once each`);
    }
  } finally {
    await producerBus.close();
    await consumerBus.close();
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
      footprint: [],
      pocPrice: '2',
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
