// FindCoordinator (key 10), v0-2: this node coordinates every group (and transactional id).
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';
import { NODE_ID } from './metadata';

export const findCoordinatorApi: ApiHandler = {
  key: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    r.string(); // key
    if (v >= 1) r.int8(); // key_type
    const w = new ResponseWriter(64);
    if (v >= 1) w.int32(0); // throttle_time_ms
    w.int16(ErrorCode.NONE);
    if (v >= 1) w.nullableString(null);
    w.int32(NODE_ID).string(ctx.connection.localHost).int32(ctx.connection.localPort);
    return w;
  },
};
