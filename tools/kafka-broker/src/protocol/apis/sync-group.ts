// SyncGroup (key 14), v0-3: the leader's assignment is handed to every member.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const syncGroupApi: ApiHandler = {
  key: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, r) {
    const v = ctx.apiVersion;
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 3) r.nullableString(); // group_instance_id
    const assignments = r.array((r) => ({ memberId: r.string(), assignment: Buffer.from(r.bytes()) }));
    const res = await ctx.broker.groups.sync({ groupId, generationId, memberId, assignments });
    const w = new ResponseWriter(128);
    if (v >= 1) w.int32(0); // throttle_time_ms
    w.int16(res.errorCode).bytes(res.assignment);
    return w;
  },
};
