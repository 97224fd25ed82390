// Malformed payloads and failing handlers go to `<topic>.dlq` and consumption goes on; offsets
// are committed only after handling, so an aborted consumer's in-flight batch is redelivered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { eventsV1 } from '@tapeline/contracts';
import { PoisonMessageError, type ConsumedEvent } from './consumer';
import { quote } from './testing/fixtures';
import { startTestBroker, testBus, uniquePrefix, waitFor, type TestBroker } from './testing/support';

let broker: TestBroker;
let kafka: Kafka;
before(async () => {
  broker = await startTestBroker();
  kafka = new Kafka({ clientId: 'bare-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
});
after(async () => {
  await broker?.close();
});

/** Reads a topic from the start with bare kafkajs (dead-letter topics are not typed topics). */
async function readRaw(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `raw-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
    await waitFor(`${count} message(s) on ${topic}`, () => got.length >= count);
    return got;
  } finally {
    await consumer.disconnect();
  }
}

const header = (m: KafkaMessage, name: string): string | undefined => m.headers?.[name]?.toString();

test('a payload that does not decode, or names another schema, is dead-lettered and consumption goes on', async () => {
  const bus = testBus(broker.brokers, uniquePrefix(), {}, 1);
  const raw = kafka.producer();
  try {
    await bus.ensureTopics();
    const quotes = bus.topics.name('quotes');
    const good: ConsumedEvent<'quotes'>[] = [];
    await bus.consume({
      groupId: 'md',
      topics: ['quotes'],
      fromBeginning: true,
      handler: (e) => void good.push(e),
    });
    await raw.connect();
    // Field 1 with wire type 7 does not exist: decoding throws.
    const garbage = Buffer.from([0x0f, 0x01, 0x02]);
    const wrongSchema = Buffer.from(eventsV1.QuoteEvent.encode(quote('AAPL.XNAS', 2)).finish());
    await raw.send({
      topic: quotes,
      messages: [
        {
          key: 'AAPL.XNAS',
          value: garbage,
          headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        },
        {
          key: 'AAPL.XNAS',
          value: wrongSchema,
          headers: { schema: 'tapeline.events.v1.TradeEvent', 'schema-version': '1' },
        },
        {
          key: 'AAPL.XNAS',
          value: wrongSchema,
          headers: { 'event-schema': 'tapeline.events.v1.QuoteEvent;v=2' },
        },
      ],
    });
    await bus.publish('quotes', quote('AAPL.XNAS', 3));
    await waitFor('the good quote after the bad ones', () => good.length === 1);
    assert.equal(good[0]!.value.sequence, '3');
    assert.equal(good[0]!.offset, '3');

    const dlq = await readRaw(bus.topics.deadLetterName('quotes'), 3);
    assert.equal(dlq.length, 3);
    const [d0, d1, d2] = dlq as [KafkaMessage, KafkaMessage, KafkaMessage];
    assert.equal(d0.key?.toString(), 'AAPL.XNAS');
    assert.deepEqual(d0.value, garbage, 'original bytes kept');
    assert.match(header(d0, 'dlq-reason')!, /^decode-error: /);
    assert.equal(header(d0, 'dlq-source-topic'), quotes);
    assert.equal(header(d0, 'dlq-source-partition'), '0');
    assert.equal(header(d0, 'dlq-source-offset'), '0');
    assert.equal(header(d0, 'dlq-consumer-group'), 'md');
    assert.match(header(d0, 'dlq-failed-at')!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    assert.equal(
      header(d0, 'traceparent'),
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'original headers kept',
    );
    assert.deepEqual(d1.value, wrongSchema);
    assert.equal(
      header(d1, 'dlq-reason'),
      'schema-mismatch: expected tapeline.events.v1.QuoteEvent, got tapeline.events.v1.TradeEvent',
    );
    assert.equal(header(d1, 'dlq-source-offset'), '1');
    assert.equal(
      header(d2, 'dlq-reason'),
      'schema-mismatch: expected tapeline.events.v1.QuoteEvent;v=1, got tapeline.events.v1.QuoteEvent;v=2',
    );
    assert.equal(bus.stats().deadLettered, 3);
  } finally {
    await raw.disconnect();
    await bus.close();
  }
});

test('a handler that throws is retried; one that always throws is dead-lettered after the budget', async () => {
  const bus = testBus(broker.brokers, uniquePrefix(), {}, 1);
  try {
    await bus.ensureTopics();
    const calls = new Map<string, number[]>();
    const done: string[] = [];
    await bus.consume({
      groupId: 'flaky',
      topics: ['trades'],
      fromBeginning: true,
      handlerAttempts: 4,
      handlerRetryInitialMs: 10,
      handler: async (e) => {
        const id = e.value.tradeId;
        calls.set(id, [...(calls.get(id) ?? []), e.attempt]);
        if (id === 'flaky' && e.attempt <= 2) throw new Error('database busy');
        if (id === 'broken') throw new Error('cannot book trade');
        if (id === 'poison') throw new PoisonMessageError('negative size');
        done.push(id);
      },
    });
    const trade = (tradeId: string) => ({
      instrumentId: 'MSFT.XNAS',
      venue: 'XNAS',
      sequence: '1',
      tradeId,
      priceScale: 2,
      sizeScale: 0,
      price: '41210',
      size: '1',
      aggressorSide: 1,
      exchangeTimeMicros: '1',
      receiveTimeMicros: '2',
      publishTimeMicros: '3',
    });
    await bus.publishMany('trades', ['flaky', 'broken', 'poison', 'after'].map(trade));
    await waitFor('the message after the failing ones', () => done.includes('after'));
    assert.deepEqual(done, ['flaky', 'after']);
    assert.deepEqual(calls.get('flaky'), [1, 2, 3], 'threw twice, then succeeded');
    assert.deepEqual(calls.get('broken'), [1, 2, 3, 4], 'tried handlerAttempts times');
    assert.deepEqual(calls.get('poison'), [1], 'PoisonMessageError skips retries');
    const dlq = await readRaw(bus.topics.deadLetterName('trades'), 2);
    assert.equal(dlq.length, 2);
    assert.equal(header(dlq[0]!, 'dlq-reason'), 'handler-error: cannot book trade (after 4 attempts)');
    assert.equal(header(dlq[0]!, 'dlq-source-offset'), '1');
    assert.equal(header(dlq[0]!, 'event-schema'), 'tapeline.events.v1.TradeEvent;v=1');
    assert.deepEqual(eventsV1.TradeEvent.decode(dlq[0]!.value!).tradeId, 'broken');
    assert.equal(header(dlq[1]!, 'dlq-reason'), 'handler-error: negative size (poison message)');
    assert.equal(bus.stats().handlerRetries, 2 + 3);
  } finally {
    await bus.close();
  }
});

test('offsets are committed only after handling: an aborted consumer’s batch is redelivered, committed ones are not', async () => {
  const prefix = uniquePrefix();
  const busA = testBus(broker.brokers, prefix, {}, 1);
  const busB = testBus(broker.brokers, prefix, {}, 1);
  const admin = kafka.admin();
  try {
    await busA.ensureTopics();
    await admin.connect();
    const topic = busA.topics.name('quotes');
    const groupId = 'redelivery';
    const committed = async (): Promise<string | undefined> => {
      const r = await admin.fetchOffsets({ groupId, topics: [topic] });
      return r[0]?.partitions[0]?.offset;
    };

    const seenA: number[] = [];
    let wedged = false;
    const consumerA = await busA.consume({
      groupId,
      topics: ['quotes'],
      fromBeginning: true,
      handler: (e) => {
        const seq = Number(e.value.sequence);
        seenA.push(seq);
        if (seq === 15) {
          wedged = true;
          return new Promise<void>(() => {}); // never finishes: the consumer is "killed" here
        }
      },
    });
    await busA.publishMany(
      'quotes',
      Array.from({ length: 10 }, (_, i) => quote('AAPL.XNAS', i)),
    );
    await waitFor(
      'first ten handled and committed',
      async () => seenA.length === 10 && (await committed()) === '10',
    );

    await busA.publishMany(
      'quotes',
      Array.from({ length: 10 }, (_, i) => quote('AAPL.XNAS', 10 + i)),
    );
    await waitFor('the consumer to wedge on 15', () => wedged);
    assert.deepEqual(seenA.slice(10), [10, 11, 12, 13, 14, 15]);
    assert.equal(await committed(), '10', '10..14 were handled but their batch is still in flight');

    await consumerA.abort();
    assert.equal(await committed(), '10', 'abort commits nothing');

    const seenB: number[] = [];
    await busB.consume({
      groupId,
      topics: ['quotes'],
      fromBeginning: true,
      handler: (e) => void seenB.push(Number(e.value.sequence)),
    });
    await waitFor('the rest on the new member', () => seenB.includes(19));
    assert.deepEqual(
      seenB,
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      'uncommitted redelivered, committed not',
    );
    await waitFor('the new member to commit', async () => (await committed()) === '20');
  } finally {
    await admin.disconnect();
    await busA.close();
    await busB.close();
  }
});

test('close() is graceful: the message in hand finishes and is committed', async () => {
  const prefix = uniquePrefix();
  const bus = testBus(broker.brokers, prefix, {}, 1);
  const admin = kafka.admin();
  try {
    await bus.ensureTopics();
    await admin.connect();
    let release!: () => void;
    let started = false;
    let finished = false;
    const consumer = await bus.consume({
      groupId: 'graceful',
      topics: ['quotes'],
      fromBeginning: true,
      handler: async () => {
        started = true;
        await new Promise<void>((r) => (release = r));
        finished = true;
      },
    });
    await bus.publishMany('quotes', [quote('A', 1), quote('A', 2)]);
    await waitFor('handler started', () => started);
    const closing = consumer.close();
    setTimeout(() => release(), 50);
    await closing;
    assert.equal(finished, true);
    assert.equal(consumer.state(), 'closed');
    const r = await admin.fetchOffsets({ groupId: 'graceful', topics: [bus.topics.name('quotes')] });
    assert.equal(r[0]!.partitions[0]!.offset, '1', 'the first message committed, the second left for later');
  } finally {
    await admin.disconnect();
    await bus.close();
  }
});

test('offsets are committed per interval, not per batch: a quiet consumer and close() commit what was handled', async () => {
  const prefix = uniquePrefix();
  const bus = testBus(broker.brokers, prefix, {}, 1);
  const admin = kafka.admin();
  try {
    await bus.ensureTopics();
    await admin.connect();
    const topic = bus.topics.name('quotes');
    const committed = async (groupId: string): Promise<string | undefined> =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset;
    const seen: number[] = [];
    const consumer = await bus.consume({
      groupId: 'interval',
      topics: ['quotes'],
      fromBeginning: true,
      commitIntervalMs: 3000,
      handler: (e) => void seen.push(Number(e.value.sequence)),
    });
    await bus.publishMany('quotes', [quote('A', 0), quote('A', 1)]);
    await waitFor('the first batch committed', async () => (await committed('interval')) === '2');
    const commits = bus.stats().offsetCommits;
    await bus.publishMany('quotes', [quote('A', 2)]);
    await waitFor('the next message handled', () => seen.length === 3);
    assert.equal(await committed('interval'), '2', 'not committed again within the interval');
    await waitFor('the quiet consumer to commit', async () => (await committed('interval')) === '3');
    assert.equal(bus.stats().offsetCommits, commits + 1);

    await bus.publishMany('quotes', [quote('A', 3), quote('A', 4)]);
    await waitFor('two more handled', () => seen.length === 5);
    await consumer.close();
    assert.equal(await committed('interval'), '5', 'close() commits what was handled');
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(bus.stats().messagesConsumed, 5);
  } finally {
    await admin.disconnect();
    await bus.close();
  }
});
