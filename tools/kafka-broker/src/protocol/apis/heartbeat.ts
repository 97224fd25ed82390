// Heartbeat (key 12), v0-3: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const heartbeatApi: ApiHandler = {
  key: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, r) {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (ctx.apiVersion >= 3) r.nullableString(); // group_instance_id
    const errorCode = ctx.broker.groups.heartbeat(groupId, generationId, memberId);
    const w = new ResponseWriter(16);
    if (ctx.apiVersion >= 1) w.int32(0); // throttle_time_ms
    w.int16(errorCode);
    return w;
  },
};
