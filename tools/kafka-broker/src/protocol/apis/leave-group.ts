// LeaveGroup (key 13), v0-3 (v3 leaves several members at once, KIP-345).
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const leaveGroupApi: ApiHandler = {
  key: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    const groupId = r.string();
    const members =
      v >= 3
        ? r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }))
        : [{ memberId: r.string(), groupInstanceId: null as string | null }];
    const res = ctx.broker.groups.leave(
      groupId,
      members.map((m) => m.memberId),
    );
    const w = new ResponseWriter(64);
    if (v >= 1) w.int32(0); // throttle_time_ms
    if (v >= 3) {
      w.int16(res.groupError);
      w.array(
        members.map((m, i) => ({ ...m, errorCode: res.members[i]! })),
        (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode),
      );
    } else {
      w.int16(res.groupError !== 0 ? res.groupError : res.members[0]!);
    }
    return w;
  },
};
