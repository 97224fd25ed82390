// SIGKILL durability: acknowledged messages and committed group offsets survive a broker killed
// without warning and restarted on the same port and data directory.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { spawnBroker, type SpawnedBroker } from '../testing/spawn-broker';
import { tempDataDir } from '../testing/test-broker';
import { disconnectAll, FAST_CONSUMER, kafkaClient, keyedProducer, waitFor } from '../testing/test-clients';

const data = tempDataDir();
let running: SpawnedBroker | null = null;

after(async () => {
  await disconnectAll();
  if (running) {
    running.kill('SIGKILL');
    await running.stopped;
  }
  data.remove();
});

test('acked messages and committed offsets survive SIGKILL and restart', { timeout: 120000 }, async () => {
  const topic = 'durable';
  const total = 3000;
  const groupId = 'durable-group';

  running = await spawnBroker({ dataDir: data.dir, env: { KAFKA_LOG_LEVEL: 'warn' } });
  const port = running.port;
  const address = `127.0.0.1:${port}`;
  let kafka = kafkaClient(address);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });

  const producer = keyedProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < total; i += 250) {
    const messages = Array.from({ length: 250 }, (_, j) => ({
      key: `acct-${(i + j) % 31}`,
      value: `msg-${i + j}`,
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();

  // Consume part of the log in a group, committing after each batch, then stop that consumer.
  const consumedBefore = new Set<string>();
  const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER, maxBytesPerPartition: 8192 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let stop = false;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      if (stop) return;
      for (const m of batch.messages) {
        consumedBefore.add(m.value!.toString());
        resolveOffset(m.offset);
      }
      await consumer.commitOffsets([
        { topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) },
      ]);
      await commitOffsetsIfNecessary();
      if (consumedBefore.size >= total / 3) stop = true;
    },
  });
  await waitFor('a third of the messages consumed and committed', () => stop, 30000);
  await consumer.disconnect();
  const committedBefore = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committedCount = committedBefore[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
  assert.ok(committedCount > 0 && committedCount < total, `committed ${committedCount} of ${total}`);
  await admin.disconnect();

  running.kill('SIGKILL');
  const exit = await running.stopped;
  assert.equal(exit.signal, 'SIGKILL');
  running = await spawnBroker({ dataDir: data.dir, port, env: { KAFKA_LOG_LEVEL: 'warn' } });
  assert.equal(running.port, port);

  kafka = kafkaClient(address);
  const admin2 = kafka.admin();
  await admin2.connect();
  const ends = await admin2.fetchTopicOffsets(topic);
  assert.equal(
    ends.reduce((s, o) => s + Number(o.high), 0),
    total,
    'every acknowledged message is still in the log',
  );
  const committedAfter = await admin2.fetchOffsets({ groupId, topics: [topic] });
  assert.deepEqual(
    committedAfter[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
    committedBefore[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
    'committed offsets survived',
  );

  // The group resumes exactly at its committed offsets.
  const resumed: Array<{ partition: number; offset: number; value: string }> = [];
  const again = kafka.consumer({ groupId, ...FAST_CONSUMER });
  await again.connect();
  await again.subscribe({ topic, fromBeginning: true });
  await again.run({
    eachMessage: async ({ partition, message }) => {
      resumed.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
    },
  });
  await waitFor('group consumed the rest', () => resumed.length >= total - committedCount, 30000);
  await again.disconnect();
  assert.equal(resumed.length, total - committedCount, 'nothing re-read, nothing skipped');
  for (const p of committedBefore[0]!.partitions) {
    const first = resumed.filter((m) => m.partition === p.partition).map((m) => m.offset);
    if (first.length > 0)
      assert.equal(Math.min(...first), Number(p.offset), `partition ${p.partition} resumed at its commit`);
  }
  const union = new Set([...consumedBefore, ...resumed.map((m) => m.value)]);
  assert.equal(union.size, total, 'before + after covers every message');

  // The restarted broker keeps accepting idempotent writes.
  const producer2 = keyedProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer2.connect();
  await producer2.send({ topic, acks: -1, messages: [{ key: 'after-restart', value: 'x' }] });
  await producer2.disconnect();
  const ends2 = await admin2.fetchTopicOffsets(topic);
  assert.equal(
    ends2.reduce((s, o) => s + Number(o.high), 0),
    total + 1,
  );
  await admin2.disconnect();

  running.kill('SIGTERM');
  const stopped = await running.stopped;
  assert.equal(stopped.code, 0, 'SIGTERM exits cleanly');
  running = null;
});
