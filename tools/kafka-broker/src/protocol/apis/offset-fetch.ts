// OffsetFetch (key 9), v0-5. A partition without a commit answers offset -1.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

export const offsetFetchApi: ApiHandler = {
  key: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    const groupId = r.string();
    const requested = r.nullableArray((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
    const { groups } = ctx.broker;
    let topics: Array<{
      name: string;
      partitions: Array<{ index: number; offset: number; leaderEpoch: number; metadata: string }>;
    }>;
    if (requested === null) {
      // v2+: null topics means every partition the group has committed.
      const byTopic = new Map<
        string,
        Array<{ index: number; offset: number; leaderEpoch: number; metadata: string }>
      >();
      for (const e of groups.fetchAllOffsets(groupId)) {
        let list = byTopic.get(e.topic);
        if (!list) byTopic.set(e.topic, (list = []));
        list.push({ index: e.partition, offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata });
      }
      topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    } else {
      topics = requested.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((index) => {
          const c = groups.fetchOffset(groupId, t.name, index);
          return {
            index,
            offset: c?.offset ?? -1,
            leaderEpoch: c?.leaderEpoch ?? -1,
            metadata: c?.metadata ?? '',
          };
        }),
      }));
    }
    const w = new ResponseWriter(256);
    if (v >= 3) w.int32(0); // throttle_time_ms
    w.array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int64(p.offset);
        if (v >= 5) w.int32(p.leaderEpoch);
        w.nullableString(p.metadata).int16(ErrorCode.NONE);
      });
    });
    if (v >= 2) w.int16(ErrorCode.NONE);
    return w;
  },
};
