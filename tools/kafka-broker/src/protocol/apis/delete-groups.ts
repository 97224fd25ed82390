// DeleteGroups (key 42), v0-1: removes an empty group and its committed offsets.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const deleteGroupsApi: ApiHandler = {
  key: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, r) {
    const ids = r.array((r) => r.string());
    const w = new ResponseWriter(64);
    w.int32(0); // throttle_time_ms
    w.array(ids, (w, id) => w.string(id).int16(ctx.broker.groups.deleteGroup(id)));
    return w;
  },
};
