// Retention: small segments roll by size, whole old segments are deleted by retention.bytes and
// retention.ms, and the earliest offset (ListOffsets) moves up accordingly.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { useTestBroker } from '../testing/test-broker';
import { FAST_CONSUMER, kafkaClient, keyedProducer, waitFor } from '../testing/test-clients';

const broker = useTestBroker({ retentionCheckIntervalMs: 50 });

function segmentFiles(topic: string, partition: number): string[] {
  return fs
    .readdirSync(path.join(broker.dataDir, 'logs', `${topic}-${partition}`))
    .filter((f) => f.endsWith('.log'));
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
  for (let i = 0; i < 200; i++)
    await producer.send({ topic, messages: [{ key: `k${i}`, value: `${i}:${value}` }] });

  // Retention runs on its own schedule; wait until the files on disk no longer meet its deletion
  // rule (what is left without the oldest segment is below retention.bytes).
  await waitFor(
    'retention to settle',
    () => {
      const sizes = segmentFiles(topic, 0)
        .sort()
        .map((f) => fs.statSync(path.join(broker.dataDir, 'logs', `${topic}-0`, f)).size);
      return sizes.reduce((a, b) => a + b, 0) - sizes[0]! < 6144;
    },
    10000,
  );
  const [offsets] = await admin.fetchTopicOffsets(topic);
  const low = Number(offsets!.low);
  assert.ok(low > 0, 'earliest offset moved up');
  assert.equal(Number(offsets!.high), 200);
  const files = segmentFiles(topic, 0).sort();
  assert.equal(Number(path.basename(files[0]!, '.log')), low, 'earliest offset is the oldest segment base');

  // A consumer starting from the beginning starts at the new earliest offset.
  const consumer = kafka.consumer({ groupId: 'retention-reader', ...FAST_CONSUMER });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.offset)) });
    await waitFor('remaining messages consumed', () => seen.length >= 200 - low, 15000);
    assert.equal(seen[0], low);
    assert.equal(seen.length, 200 - low);
  } finally {
    await consumer.disconnect();
  }
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
  for (let i = 0; i < 10; i++)
    await producer.send({ topic, messages: [{ key: 'new', value: 'y'.repeat(200) }] });
  // Three batches fit a segment, so the segment holding the first new record may start with up to
  // two old ones; every segment before it is expired and goes.
  const low = await waitFor('old segments deleted', async () => {
    const [p] = await admin.fetchTopicOffsets(topic);
    return Number(p!.low) >= 28 ? Number(p!.low) : 0;
  });
  assert.ok(low <= 30, `new records kept (earliest offset ${low})`);
  await producer.disconnect();
  await admin.disconnect();
});

test(
  'an expired active segment is deleted too, leaving an empty log that continues at the same offset',
  { timeout: 60000 },
  async () => {
    const kafka = kafkaClient(broker.address);
    const admin = kafka.admin();
    await admin.connect();
    const topic = 'all-expired';
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
    });
    const producer = keyedProducer(kafka);
    await producer.connect();
    const hourAgo = String(Date.now() - 3600000);
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, () => ({ key: 'old', value: 'x', timestamp: hourAgo })),
    });
    await waitFor('every segment deleted', async () => {
      const [p] = await admin.fetchTopicOffsets(topic);
      return Number(p!.low) === 5 && Number(p!.high) === 5;
    });
    const [res] = await producer.send({ topic, messages: [{ key: 'new', value: 'y' }] });
    assert.equal(res!.baseOffset, '5');
    await producer.disconnect();
    await admin.disconnect();
  },
);
