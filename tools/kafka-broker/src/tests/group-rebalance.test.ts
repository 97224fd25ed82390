// Consumer-group rebalancing with kafkajs: A alone, B joins (partitions split), B leaves (A takes
// all back). Every message is committed right after it is processed; the union of processed
// messages must be complete, and only work whose commit failed may be processed again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Consumer, type Kafka } from 'kafkajs';
import { useTestBroker } from '../testing/test-broker';
import { FAST_CONSUMER, kafkaClient, keyedProducer, waitFor } from '../testing/test-clients';

const broker = useTestBroker();

interface Tracker {
  processed: Map<string, number>;
  /** Messages whose processing was followed by a successful commit. */
  committed: Set<string>;
  /** Messages processed again although their earlier processing had been committed. */
  committedDuplicates: string[];
  byConsumer: Map<string, Set<string>>;
}

interface Member {
  name: string;
  consumer: Consumer;
  assignment: number[] | null;
}

async function startMember(kafka: Kafka, name: string, topic: string, tracker: Tracker): Promise<Member> {
  const consumer = kafka.consumer({ groupId: 'rebalance-group', ...FAST_CONSUMER });
  const member: Member = { name, consumer, assignment: null };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  tracker.byConsumer.set(name, new Set());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const id = message.value!.toString();
      if (tracker.committed.has(id)) tracker.committedDuplicates.push(id);
      tracker.processed.set(id, (tracker.processed.get(id) ?? 0) + 1);
      tracker.byConsumer.get(name)!.add(id);
      try {
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
        tracker.committed.add(id);
      } catch {
        // A commit refused during a rebalance (REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION):
        // this message may legitimately be processed again by the next owner.
      }
    },
  });
  return member;
}

test(
  'partitions move between members on join and leave without losing committed work',
  { timeout: 90000 },
  async () => {
    const kafka = kafkaClient(broker.address);
    const admin = kafka.admin();
    await admin.connect();
    const topic = 'rebalance';
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const producer = keyedProducer(kafka);
    await producer.connect();
    let produced = 0;
    const produce = async (n: number): Promise<void> => {
      const messages = Array.from({ length: n }, (_, i) => ({
        key: `k${(produced + i) % 17}`,
        value: `m${produced + i}`,
      }));
      await producer.send({ topic, acks: -1, messages });
      produced += n;
    };
    const tracker: Tracker = {
      processed: new Map(),
      committed: new Set(),
      committedDuplicates: [],
      byConsumer: new Map(),
    };
    const allProcessed = (): boolean => {
      for (let i = 0; i < produced; i++) if (!tracker.processed.has(`m${i}`)) return false;
      return true;
    };

    await produce(120);
    const a = await startMember(kafka, 'A', topic, tracker);
    await waitFor('A assigned every partition', () => a.assignment?.length === 4);
    await waitFor('phase 1 processed by A', allProcessed, 20000);

    const b = await startMember(kafka, 'B', topic, tracker);
    await waitFor(
      'partitions split between A and B',
      () =>
        a.assignment?.length === 2 &&
        b.assignment?.length === 2 &&
        new Set([...a.assignment, ...b.assignment]).size === 4,
      30000,
    );
    const beforePhase2 = produced;
    await produce(200);
    await waitFor('phase 2 processed', allProcessed, 30000);
    const phase2 = (name: string): number =>
      [...tracker.byConsumer.get(name)!].filter((id) => Number(id.slice(1)) >= beforePhase2).length;
    assert.ok(phase2('A') > 0, 'A processed part of phase 2');
    assert.ok(phase2('B') > 0, 'B processed part of phase 2');

    await b.consumer.disconnect();
    await waitFor('A owns every partition again', () => a.assignment?.length === 4, 30000);
    const beforePhase3 = produced;
    const bCountAtLeave = tracker.byConsumer.get('B')!.size;
    await produce(120);
    await waitFor('phase 3 processed', allProcessed, 30000);
    assert.equal(tracker.byConsumer.get('B')!.size, bCountAtLeave, 'B processed nothing after leaving');
    assert.ok(
      [...tracker.byConsumer.get('A')!].filter((id) => Number(id.slice(1)) >= beforePhase3).length === 120,
    );

    await a.consumer.disconnect();
    assert.equal(tracker.processed.size, produced, 'no message lost');
    assert.deepEqual(tracker.committedDuplicates, [], 'no committed message processed twice');

    const committed = await admin.fetchOffsets({ groupId: 'rebalance-group', topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    for (const p of committed[0]!.partitions) {
      assert.equal(
        p.offset,
        ends.find((e) => e.partition === p.partition)!.high,
        `partition ${p.partition} fully committed`,
      );
    }
    await producer.disconnect();
    await admin.disconnect();
  },
);
