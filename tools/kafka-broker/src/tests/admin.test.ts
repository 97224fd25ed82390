// kafkajs admin operations beyond create/metadata: configs, partitions, deletion, offsets by
// time, group listing and description.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigResourceTypes } from 'kafkajs';
import { useTestBroker } from '../testing/test-broker';
import { FAST_CONSUMER, kafkaClient, keyedProducer, waitFor } from '../testing/test-clients';

const broker = useTestBroker();

test('describeCluster, describeConfigs, createPartitions and deleteTopics', { timeout: 30000 }, async () => {
  const kafka = kafkaClient(broker.address);
  const admin = kafka.admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  assert.equal(cluster.controller, 0);
  assert.deepEqual(cluster.brokers, [{ nodeId: 0, host: '127.0.0.1', port: broker.port }]);

  await admin.createTopics({
    topics: [
      {
        topic: 'configured',
        numPartitions: 1,
        replicationFactor: 3,
        configEntries: [{ name: 'retention.ms', value: '1234' }],
      },
    ],
  });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: ConfigResourceTypes.TOPIC, name: 'configured', configNames: ['retention.ms', 'segment.bytes'] },
    ],
  });
  const entries = Object.fromEntries(
    described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
  );
  assert.deepEqual(entries, { 'retention.ms': '1234', 'segment.bytes': '1073741824' });
  await assert.rejects(
    admin.createTopics({
      topics: [{ topic: 'bad-config', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
    }),
    (err: Error & { errors?: Array<{ type: string }> }) => err.errors?.[0]?.type === 'INVALID_CONFIG',
  );

  await admin.createPartitions({ topicPartitions: [{ topic: 'configured', count: 4 }] });
  assert.equal((await admin.fetchTopicMetadata({ topics: ['configured'] })).topics[0]!.partitions.length, 4);

  await admin.deleteTopics({ topics: ['configured'] });
  assert.deepEqual(await admin.listTopics(), []);
  await admin.disconnect();
});

test('offsets by timestamp, group listing, description and deletion', { timeout: 30000 }, async () => {
  const kafka = kafkaClient(broker.address);
  const admin = kafka.admin();
  await admin.connect();
  const topic = 'timed';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  const producer = keyedProducer(kafka);
  await producer.connect();
  const t0 = Date.now() - 10000;
  await producer.send({
    topic,
    messages: [0, 1, 2, 3].map((i) => ({ key: 'k', value: `v${i}`, timestamp: String(t0 + i * 1000) })),
  });
  const [byTime] = await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 1500);
  assert.equal(byTime!.offset, '2');

  const consumer = kafka.consumer({ groupId: 'described', ...FAST_CONSUMER });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await consumer.run({ eachMessage: async () => void seen++ });
  await waitFor('messages consumed', () => seen === 4);
  const { groups } = await admin.describeGroups(['described', 'no-such-group']);
  assert.equal(groups[0]!.state, 'Stable');
  assert.equal(groups[0]!.protocolType, 'consumer');
  assert.equal(groups[0]!.members.length, 1);
  assert.equal(groups[1]!.state, 'Dead');
  assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === 'described'));
  await assert.rejects(admin.deleteGroups(['described']));
  await consumer.disconnect();
  await waitFor('group committed', async () => {
    const [offsets] = await admin.fetchOffsets({ groupId: 'described', topics: [topic] });
    return offsets!.partitions[0]!.offset === '4';
  });
  await admin.deleteGroups(['described']);
  const [after] = await admin.fetchOffsets({ groupId: 'described', topics: [topic] });
  assert.equal(after!.partitions[0]!.offset, '-1');
  await producer.disconnect();
  await admin.disconnect();
});
