// Fetch (key 1), v4-11. Serves stored batches straight from segment files. When less than
// min_bytes is available the request waits (up to max_wait_ms) for an append to one of its
// partitions instead of polling. Fetch sessions (KIP-227) are not kept: every fetch is a full one.
import { type ApiHandler, type ApiResponse, type RequestContext } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { type RequestReader } from '../reader';
import { ResponseWriter } from '../writer';

interface FetchPartition {
  index: number;
  fetchOffset: number;
  maxBytes: number;
}

interface FetchTopic {
  name: string;
  partitions: FetchPartition[];
}

interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  topics: FetchTopic[];
}

function decode(v: number, r: RequestReader): FetchRequest {
  r.int32(); // replica_id: always a consumer here
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = v >= 3 ? r.int32() : 0x7fffffff;
  if (v >= 4) r.int8(); // isolation_level: without transactions every offset below the HW is stable
  if (v >= 7) {
    r.int32(); // session_id
    r.int32(); // session_epoch
  }
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const index = r.int32();
      if (v >= 9) r.int32(); // current_leader_epoch: the leader never changes
      const fetchOffset = r.int64();
      if (v >= 5) r.int64(); // log_start_offset: only followers send it
      return { index, fetchOffset, maxBytes: r.int32() };
    }),
  }));
  return { maxWaitMs, minBytes, maxBytes, topics };
}

/** Bytes the request could get now, or Infinity when a partition has an error to report. */
function available(ctx: RequestContext, req: FetchRequest): number {
  let total = 0;
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const log = ctx.broker.topics.partition(t.name, p.index);
      if (!log || log.isClosed) return Infinity;
      if (p.fetchOffset < log.logStartOffset || p.fetchOffset > log.logEndOffset) return Infinity;
      total += Math.min(log.bytesAvailableFrom(p.fetchOffset), p.maxBytes);
    }
  }
  return total;
}

function respond(ctx: RequestContext, req: FetchRequest): ResponseWriter {
  const v = ctx.apiVersion;
  const w = new ResponseWriter(256);
  w.int32(0); // throttle_time_ms
  if (v >= 7) w.int16(ErrorCode.NONE).int32(0); // error_code, session_id: no session created
  let remaining = req.maxBytes;
  let returned = 0;
  w.array(req.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      const log = ctx.broker.topics.partition(t.name, p.index);
      let errorCode: number = ErrorCode.NONE;
      let records: Buffer = EMPTY;
      if (!log || log.isClosed) {
        errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      } else if (remaining > 0 || returned === 0) {
        const res = log.read(p.fetchOffset, Math.min(p.maxBytes, Math.max(remaining, 0)), returned === 0);
        errorCode = res.errorCode;
        if (res.records) records = res.records;
        remaining -= records.length;
        returned += records.length;
      }
      const hw = log && !log.isClosed ? log.logEndOffset : -1;
      w.int32(p.index).int16(errorCode).int64(hw);
      w.int64(hw); // last_stable_offset: no open transactions
      if (v >= 5) w.int64(log && !log.isClosed ? log.logStartOffset : -1);
      w.int32(0); // aborted_transactions: none
      if (v >= 11) w.int32(-1); // preferred_read_replica
      w.bytes(records);
    });
  });
  return w;
}

const EMPTY = Buffer.alloc(0);

export const fetchApi: ApiHandler = {
  key: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  handle(ctx, r): ApiResponse | Promise<ApiResponse> {
    const req = decode(ctx.apiVersion, r);
    const minBytes = Math.max(req.minBytes, 1);
    if (req.maxWaitMs <= 0 || ctx.broker.shuttingDown.value || available(ctx, req) >= minBytes)
      return respond(ctx, req);

    return new Promise<ApiResponse>((resolve) => {
      const cleanups: Array<() => void> = [];
      let done = false;
      let scheduled = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        for (const c of cleanups) c();
        resolve(ctx.connection.isClosed ? null : respond(ctx, req));
      };
      // Deferred so that appends arriving together are answered by one response, after the
      // producer's own acknowledgement.
      const onAppend = (): void => {
        if (done || scheduled) return;
        if (available(ctx, req) >= minBytes) {
          scheduled = true;
          setImmediate(finish);
        }
      };
      for (const t of req.topics) {
        for (const p of t.partitions) {
          const log = ctx.broker.topics.partition(t.name, p.index);
          if (log) cleanups.push(log.onAppend(onAppend));
        }
      }
      const timer = setTimeout(finish, req.maxWaitMs);
      cleanups.push(() => clearTimeout(timer));
      cleanups.push(ctx.connection.onClose(finish));
      const shutdown = ctx.broker.shuttingDown.listeners;
      shutdown.add(finish);
      cleanups.push(() => shutdown.delete(finish));
    });
  },
};
