// ApiVersions (key 18), v0-2. Clients learn from it which versions of every API to use.
import { type ApiHandler, type SupportedApi } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode, type ErrorCode as ErrorCodeT } from '../error-codes';
import { ResponseWriter } from '../writer';

/**
 * The response body. Also sent, in the v0 shape with UNSUPPORTED_VERSION, for an ApiVersions
 * version we do not speak (librdkafka opens with the flexible v3 and falls back on this answer).
 */
export function encodeApiVersions(
  apis: readonly SupportedApi[],
  errorCode: ErrorCodeT,
  version: number,
): ResponseWriter {
  const w = new ResponseWriter();
  w.int16(errorCode);
  w.array(apis, (w, a) => w.int16(a.key).int16(a.minVersion).int16(a.maxVersion));
  if (version >= 1) w.int32(0); // throttle_time_ms
  return w;
}

export const apiVersionsApi: ApiHandler = {
  key: ApiKey.ApiVersions,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 2,
  handle(ctx) {
    return encodeApiVersions(ctx.broker.supportedApis, ErrorCode.NONE, ctx.apiVersion);
  },
};
