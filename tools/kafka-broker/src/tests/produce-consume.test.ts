// Keyed produce to a 3-partition topic and group consumption with kafkajs: per-key order, headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IHeaders } from 'kafkajs';
import { useTestBroker } from '../testing/test-broker';
import { FAST_CONSUMER, kafkaClient, keyedProducer, waitFor } from '../testing/test-clients';

const broker = useTestBroker();

test(
  'keyed messages keep per-key order across partitions and headers round-trip',
  { timeout: 60000 },
  async () => {
    const kafka = kafkaClient(broker.address);
    const admin = kafka.admin();
    await admin.connect();
    const topic = 'orders';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }), true);

    const keys = Array.from({ length: 12 }, (_, i) => `instrument-${i}`);
    const perKey = 40;
    const producer = keyedProducer(kafka, { idempotent: true });
    await producer.connect();
    // Several sends, each interleaving all keys, so ordering is checked across batches too.
    for (let round = 0; round < 4; round++) {
      const messages = [];
      for (let i = 0; i < perKey / 4; i++) {
        for (const key of keys) {
          const seq = round * (perKey / 4) + i;
          messages.push({
            key,
            value: JSON.stringify({ key, seq }),
            headers: { seq: String(seq), 'trace-id': Buffer.from([0, 1, 2, 255]), kind: ['a', 'b'] },
          });
        }
      }
      await producer.send({ topic, acks: -1, messages });
    }
    const total = keys.length * perKey;

    const offsets = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets.length, 3);
    assert.equal(
      offsets.reduce((s, o) => s + Number(o.high), 0),
      total,
    );
    assert.ok(offsets.filter((o) => Number(o.high) > 0).length >= 2, 'keys spread over several partitions');

    const received: Array<{ partition: number; key: string; seq: number; headers: IHeaders }> = [];
    const consumer = kafka.consumer({ groupId: 'ordering-check', ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const body = JSON.parse(message.value!.toString()) as { key: string; seq: number };
        assert.equal(message.key!.toString(), body.key);
        received.push({ partition, key: body.key, seq: body.seq, headers: message.headers ?? {} });
      },
    });
    await waitFor('all messages consumed', () => received.length >= total, 30000);
    await consumer.disconnect();

    assert.equal(received.length, total);
    const partitionOfKey = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    for (const m of received) {
      const p = partitionOfKey.get(m.key);
      if (p === undefined) partitionOfKey.set(m.key, m.partition);
      else assert.equal(m.partition, p, `key ${m.key} stays on one partition`);
      assert.equal(m.seq, (lastSeq.get(m.key) ?? -1) + 1, `key ${m.key} in order`);
      lastSeq.set(m.key, m.seq);
      assert.equal(m.headers.seq!.toString(), String(m.seq));
      assert.deepEqual(m.headers['trace-id'], Buffer.from([0, 1, 2, 255]));
      // A repeated header name arrives as both values, in order.
      assert.deepEqual(
        (m.headers.kind as Buffer[]).map((b) => b.toString()),
        ['a', 'b'],
      );
    }
    for (const key of keys) assert.equal(lastSeq.get(key), perKey - 1);

    await producer.disconnect();
    await admin.disconnect();
  },
);
