// CreateTopics (key 19), v0-4. Replication factors above 1 are accepted (this node holds the one
// copy); a manual replica assignment only sets the partition count. -1 for partitions or
// replication factor means the broker default, for every version (as Kafka brokers since 2.4 do).
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

export const createTopicsApi: ApiHandler = {
  key: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    const request = r.array((r) => ({
      name: r.string(),
      numPartitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.array((r) => ({ index: r.int32(), brokers: r.array((r) => r.int32()) })),
      configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
    }));
    r.int32(); // timeout_ms: creation is synchronous
    const validateOnly = v >= 1 ? r.bool() : false;

    const counts = new Map<string, number>();
    for (const t of request) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = request.map((t) => {
      if ((counts.get(t.name) ?? 0) > 1) {
        return {
          name: t.name,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Create topics request from client contains a duplicate topic: ${t.name}`,
        };
      }
      let numPartitions = t.numPartitions;
      let replicationFactor = t.replicationFactor;
      if (t.assignments.length > 0) {
        if (numPartitions !== -1 || replicationFactor !== -1) {
          return {
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage:
              'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
          };
        }
        const ids = t.assignments.map((a) => a.index).sort((a, b) => a - b);
        if (
          ids.some((id, i) => id !== i) ||
          t.assignments.some((a) => a.brokers.length === 0 || a.brokers.some((b) => b !== 0))
        ) {
          return {
            name: t.name,
            errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            errorMessage: 'Replica assignment must list partitions 0..n-1 on broker 0',
          };
        }
        numPartitions = t.assignments.length;
        replicationFactor = t.assignments[0]!.brokers.length;
      }
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const res = ctx.broker.topics.create(t.name, numPartitions, replicationFactor, configs, validateOnly);
      return { name: t.name, errorCode: res.errorCode, errorMessage: res.errorMessage };
    });

    const w = new ResponseWriter(128);
    if (v >= 2) w.int32(0); // throttle_time_ms
    w.array(results, (w, t) => {
      w.string(t.name).int16(t.errorCode);
      if (v >= 1) w.nullableString(t.errorCode === ErrorCode.NONE ? null : t.errorMessage);
    });
    return w;
  },
};
