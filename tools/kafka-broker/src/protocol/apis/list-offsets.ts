// ListOffsets (key 2), v0-5: earliest (-2), latest (-1) or the first offset at/after a timestamp.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

const LATEST = -1;
const EARLIEST = -2;

export const listOffsetsApi: ApiHandler = {
  key: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    r.int32(); // replica_id
    if (v >= 2) r.int8(); // isolation_level
    const request = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => {
        const index = r.int32();
        if (v >= 4) r.int32(); // current_leader_epoch
        const timestamp = r.int64();
        const maxNumOffsets = v === 0 ? r.int32() : 1;
        return { index, timestamp, maxNumOffsets };
      }),
    }));
    const { topics } = ctx.broker;
    const w = new ResponseWriter(128);
    if (v >= 2) w.int32(0); // throttle_time_ms
    w.array(request, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        const log = topics.partition(t.name, p.index);
        let errorCode: number = ErrorCode.NONE;
        let offset = -1;
        let timestamp = -1;
        if (!log) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (p.timestamp === LATEST) {
          offset = log.logEndOffset;
        } else if (p.timestamp === EARLIEST) {
          offset = log.logStartOffset;
        } else if (p.timestamp < 0) {
          errorCode = ErrorCode.UNSUPPORTED_VERSION;
        } else {
          const found = log.offsetForTimestamp(p.timestamp);
          // No record that late: Kafka answers offset -1 / timestamp -1 (v1+) or the log end (v0).
          if (found) {
            offset = found.offset;
            timestamp = found.timestamp;
          } else if (v === 0) {
            offset = log.logEndOffset;
          }
        }
        w.int32(p.index).int16(errorCode);
        if (v === 0) {
          const offsets = errorCode === ErrorCode.NONE && p.maxNumOffsets > 0 && offset >= 0 ? [offset] : [];
          w.array(offsets, (w, o) => w.int64(o));
        } else {
          w.int64(timestamp).int64(offset);
          if (v >= 4) w.int32(errorCode === ErrorCode.NONE ? 0 : -1); // leader_epoch
        }
      });
    });
    return w;
  },
};
