// DescribeGroups (key 15), v0-4. Unknown groups are reported as state "Dead", as Kafka does.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const describeGroupsApi: ApiHandler = {
  key: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    const ids = r.array((r) => r.string());
    if (v >= 3) r.bool(); // include_authorized_operations
    const w = new ResponseWriter(256);
    if (v >= 1) w.int32(0); // throttle_time_ms
    w.array(ids, (w, id) => {
      const g = ctx.broker.groups.describe(id);
      w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocolData);
      w.array(g.members, (w, m) => {
        w.string(m.memberId);
        if (v >= 4) w.nullableString(m.groupInstanceId);
        w.string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment);
      });
      if (v >= 3) w.int32(-2147483648); // authorized_operations: not computed
    });
    return w;
  },
};
