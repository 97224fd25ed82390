// DeleteTopics (key 20), v0-3. Deletion is immediate: log files and the topic's committed offsets go.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const deleteTopicsApi: ApiHandler = {
  key: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, r) {
    const names = r.array((r) => r.string());
    r.int32(); // timeout_ms
    const results = names.map((name) => ({ name, errorCode: ctx.broker.topics.delete(name).errorCode }));
    const w = new ResponseWriter(64);
    if (ctx.apiVersion >= 1) w.int32(0); // throttle_time_ms
    w.array(results, (w, t) => w.string(t.name).int16(t.errorCode));
    return w;
  },
};
