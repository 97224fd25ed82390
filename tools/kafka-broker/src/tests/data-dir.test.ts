// One broker per data directory; a directory freed by close() (or by a killed process, see the
// durability test) can be opened again, with its topics.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startBroker } from '../broker';
import { silentLogger } from '../logger';
import { tempDataDir } from '../testing/test-broker';
import { RawKafkaClient } from '../testing/raw-client';

const data = tempDataDir();
after(() => data.remove());

test(
  'a data directory in use is refused; after close it opens again with its topics',
  { timeout: 30000 },
  async () => {
    const first = await startBroker({
      dataDir: data.dir,
      port: 0,
      logger: silentLogger,
      defaultPartitions: 2,
    });
    await assert.rejects(
      startBroker({ dataDir: data.dir, port: 0, logger: silentLogger }),
      /already used|in use/,
    );
    // Topics persist: create one through auto-creation, then reopen.
    const c = await RawKafkaClient.connect(first.port);
    const r = await c.request(3, 4, (w) => w.int32(1).string('persisted').bool(true));
    r.int32();
    c.close();
    await first.close();

    const second = await startBroker({ dataDir: data.dir, port: 0, logger: silentLogger });
    const c2 = await RawKafkaClient.connect(second.port);
    const meta = await c2.request(3, 1, (w) => w.int32(-1));
    // brokers, controller, then topics: the persisted topic with its 2 partitions.
    meta.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
    meta.int32();
    const topics = meta.array((r) => {
      r.int16();
      const name = r.string();
      r.bool();
      const partitions = r.array((r) => {
        r.int16();
        const id = r.int32();
        r.int32();
        r.array((r) => r.int32());
        r.array((r) => r.int32());
        return id;
      });
      return { name, partitions };
    });
    assert.deepEqual(topics, [{ name: 'persisted', partitions: [0, 1] }]);
    c2.close();
    await second.close();
  },
);
