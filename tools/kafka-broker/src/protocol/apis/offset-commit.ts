// OffsetCommit (key 8), v0-7. Commits are checked against the group's generation and member, then
// persisted before the response.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';
import { type OffsetCommitEntry } from '../../group/offset-store';

export const offsetCommitApi: ApiHandler = {
  key: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 7,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    const groupId = r.string();
    const generationId = v >= 1 ? r.int32() : -1;
    const memberId = v >= 1 ? r.string() : '';
    if (v >= 7) r.nullableString(); // group_instance_id
    if (v >= 2 && v <= 4) r.int64(); // retention_time_ms: offsets are kept until the group is deleted
    const now = Date.now();
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => {
        const index = r.int32();
        const offset = r.int64();
        const leaderEpoch = v >= 6 ? r.int32() : -1;
        const commitTimestamp = v === 1 ? r.int64() : -1;
        const metadata = r.nullableString() ?? '';
        return {
          index,
          offset,
          leaderEpoch,
          metadata,
          commitTimestamp: commitTimestamp >= 0 ? commitTimestamp : now,
        };
      }),
    }));
    const entries: OffsetCommitEntry[] = [];
    for (const t of topics) {
      for (const p of t.partitions) {
        entries.push({
          topic: t.name,
          partition: p.index,
          offset: p.offset,
          leaderEpoch: p.leaderEpoch,
          metadata: p.metadata,
          commitTimestamp: p.commitTimestamp,
        });
      }
    }
    const codes = ctx.broker.groups.commitOffsets(
      groupId,
      generationId,
      memberId,
      entries,
      (topic, partition) => Boolean(ctx.broker.topics.partition(topic, partition)),
    );
    let i = 0;
    const w = new ResponseWriter(128);
    if (v >= 3) w.int32(0); // throttle_time_ms
    w.array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.index).int16(codes[i++]!));
    });
    return w;
  },
};
