// CreatePartitions (key 37), v0-1: grows a topic's partition count.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

export const createPartitionsApi: ApiHandler = {
  key: ApiKey.CreatePartitions,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, r) {
    const request = r.array((r) => ({
      name: r.string(),
      count: r.int32(),
      assignments: r.nullableArray((r) => r.array((r) => r.int32())),
    }));
    r.int32(); // timeout_ms
    const validateOnly = r.bool();
    const results = request.map((t) => {
      if (t.assignments && t.assignments.some((a) => a.some((b) => b !== 0))) {
        return {
          name: t.name,
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: 'Only broker 0 exists' as string | null,
        };
      }
      return { name: t.name, ...ctx.broker.topics.addPartitions(t.name, t.count, validateOnly) };
    });
    const w = new ResponseWriter(64);
    w.int32(0); // throttle_time_ms
    w.array(results, (w, t) => w.string(t.name).int16(t.errorCode).nullableString(t.errorMessage));
    return w;
  },
};
