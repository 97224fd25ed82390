// Retention: small segments roll by size, whole old segments are deleted by retention.bytes and
// retention.ms, and the earliest offset (ListOffsets) moves up accordingly.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { FAST_CONSUMER, kafkaClient, keyedProducer, startTestBroker, waitFor } from './helpers';

let broker: Awaited<ReturnType<typeof startTestBroker>>;

before(async () => {
  broker = await startTestBroker({ retentionCheckIntervalMs: 50 });
});

after(async () => {
  await broker.stop();
});

function segmentFiles(topic: string, partition: number): string[] {
  return fs.readdirSync(path.join(broker.dataDir, 'logs', `${topic}-${partition}`)).filter((f) => f.endsWith('.log'));
}

test('retention.bytes deletes old segments and moves the earliest offset', { timeout: 60000 }, async () => {
  const kafka = kafkaClient(broker.address);
  const admin = kafka.admin();
  await admin.connect();
  const topic = 'retained-by-size';
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 1,
        configEntries: [
          { name: 'segment.bytes', value: '2048' },
          { name: 'retention.bytes', value: '6144' },
        ],
      },
    ],
  });
  const producer = keyedProducer(kafka);
  await producer.connect();
  const value = 'v'.repeat(100);
  for (let i = 0; i < 200; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: `${i}:${value}` }] });

  const offsets = await waitFor(
    'earliest offset to move past deleted segments',
    async () => {
      const [p] = await admin.fetchTopicOffsets(topic);
      return Number(p!.low) > 0 ? p : null;
    },
    10000,
  );
  assert.equal(Number(offsets.high), 200);
  const files = segmentFiles(topic, 0);
  // Kept data is bounded by retention.bytes plus the active segment.
  assert.ok(files.length <= 5, `segments left: ${files.length}`);
  assert.equal(Number(path.basename(files.sort()[0]!, '.log')), Number(offsets.low), 'earliest offset is the oldest segment base');

  // A consumer starting from the beginning starts at the new earliest offset.
  const consumer = kafka.consumer({ groupId: 'retention-reader', ...FAST_CONSUMER });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: number[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.offset)) });
  await waitFor('remaining messages consumed', () => seen.length >= 200 - Number(offsets.low), 15000);
  await consumer.disconnect();
  assert.equal(seen[0], Number(offsets.low));
  await producer.disconnect();
  await admin.disconnect();
});

test('retention.ms deletes segments whose records are older than the limit', { timeout: 60000 }, async () => {
  const kafka = kafkaClient(broker.address);
  const admin = kafka.admin();
  await admin.connect();
  const topic = 'retained-by-time';
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 1,
        configEntries: [
          { name: 'segment.bytes', value: '1024' },
          { name: 'retention.ms', value: '60000' },
        ],
      },
    ],
  });
  const producer = keyedProducer(kafka);
  await producer.connect();
  const hourAgo = String(Date.now() - 3600000);
  for (let i = 0; i < 30; i++) {
    await producer.send({ topic, messages: [{ key: 'old', value: 'x'.repeat(200), timestamp: hourAgo }] });
  }
  for (let i = 0; i < 10; i++) await producer.send({ topic, messages: [{ key: 'new', value: 'y'.repeat(200) }] });
  const low = await waitFor('old segments deleted', async () => {
    const [p] = await admin.fetchTopicOffsets(topic);
    return Number(p!.low) >= 30 ? Number(p!.low) : 0;
  });
  assert.ok(low <= 40);
  await producer.disconnect();
  await admin.disconnect();
});
