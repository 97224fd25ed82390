// JoinGroup (key 11), v0-5. Waits in the coordinator until the rebalance completes.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ResponseWriter } from '../writer';

export const joinGroupApi: ApiHandler = {
  key: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, r) {
    const v = ctx.apiVersion;
    const groupId = r.string();
    const sessionTimeoutMs = r.int32();
    const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
    const memberId = r.string();
    const groupInstanceId = v >= 5 ? r.nullableString() : null;
    const protocolType = r.string();
    const protocols = r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
    const res = await ctx.broker.groups.join({
      groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      memberId,
      groupInstanceId,
      protocolType,
      protocols,
      clientId: ctx.clientId,
      clientHost: `/${ctx.connection.remoteHost}`,
      requireKnownMemberId: v >= 4,
    });
    const w = new ResponseWriter(256);
    if (v >= 2) w.int32(0); // throttle_time_ms
    w.int16(res.errorCode)
      .int32(res.generationId)
      .string(res.protocolName)
      .string(res.leaderId)
      .string(res.memberId);
    w.array(res.members, (w, m) => {
      w.string(m.memberId);
      if (v >= 5) w.nullableString(m.groupInstanceId);
      w.bytes(m.metadata);
    });
    return w;
  },
};
