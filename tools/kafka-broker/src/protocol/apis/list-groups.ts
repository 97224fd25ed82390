// ListGroups (key 16), v0-2.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

export const listGroupsApi: ApiHandler = {
  key: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(ctx) {
    const w = new ResponseWriter(128);
    if (ctx.apiVersion >= 1) w.int32(0); // throttle_time_ms
    w.int16(ErrorCode.NONE);
    w.array(ctx.broker.groups.list(), (w, g) => w.string(g.groupId).string(g.protocolType));
    return w;
  },
};
