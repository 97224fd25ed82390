// Topic auto-creation on first use (Metadata and Produce), and its absence when disabled.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startTestBroker, type TestBroker } from '../testing/test-broker';
import { disconnectAll, kafkaClient, keyedProducer } from '../testing/test-clients';

const brokers: TestBroker[] = [];

after(async () => {
  await disconnectAll();
  for (const b of brokers) await b.stop();
});

test(
  'with auto-creation on, producing to an unknown topic creates it with the default partitions',
  { timeout: 30000 },
  async () => {
    const broker = await startTestBroker({ autoCreateTopics: true, defaultPartitions: 5 });
    brokers.push(broker);
    const kafka = kafkaClient(broker.address);
    const producer = keyedProducer(kafka);
    await producer.connect();
    const [res] = await producer.send({
      topic: 'created-on-first-use',
      messages: [{ key: 'a', value: '1' }],
    });
    assert.equal(res!.errorCode, 0);
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: ['created-on-first-use'] });
    assert.equal(meta.topics[0]!.partitions.length, 5);
    assert.ok((await admin.listTopics()).includes('created-on-first-use'));
    // Names Kafka rejects are rejected here too.
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'bad/name' }] }),
      (err: Error & { errors?: Array<{ type: string }> }) => {
        return err.errors?.[0]?.type === 'INVALID_TOPIC_EXCEPTION';
      },
    );
    // kafkajs reports TOPIC_ALREADY_EXISTS as "not created".
    assert.equal(await admin.createTopics({ topics: [{ topic: 'created-on-first-use' }] }), false);
    await producer.disconnect();
    await admin.disconnect();
  },
);

test(
  'with auto-creation off, unknown topics are UNKNOWN_TOPIC_OR_PARTITION and explicit creation still works',
  { timeout: 30000 },
  async () => {
    const broker = await startTestBroker({ autoCreateTopics: false });
    brokers.push(broker);
    const kafka = kafkaClient(broker.address, {
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await assert.rejects(
      admin.fetchTopicMetadata({ topics: ['never-created'] }),
      /does not host this topic-partition/,
    );
    const producer = keyedProducer(kafka);
    await producer.connect();
    await assert.rejects(
      producer.send({ topic: 'never-created', messages: [{ value: 'x' }] }),
      /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/,
    );
    assert.deepEqual(await admin.listTopics(), []);

    assert.equal(await admin.createTopics({ topics: [{ topic: 'explicit', numPartitions: 2 }] }), true);
    const [res] = await producer.send({ topic: 'explicit', messages: [{ key: 'k', value: 'v' }] });
    assert.equal(res!.errorCode, 0);
    assert.deepEqual(await admin.listTopics(), ['explicit']);
    await producer.disconnect();
    await admin.disconnect();
  },
);
