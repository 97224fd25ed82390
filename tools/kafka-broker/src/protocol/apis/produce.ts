// Produce (key 0), v3-8: record batches of magic 2 only. Batches are appended as received; with
// one replica, acks=-1 and acks=1 both mean "written to the log".
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode, KafkaError, type ErrorCode as ErrorCodeT } from '../error-codes';
import { ResponseWriter } from '../writer';

interface PartitionResult {
  index: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logStartOffset: number;
}

export const produceApi: ApiHandler = {
  key: ApiKey.Produce,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 8,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    r.nullableString(); // transactional_id: transactional batches are refused by the log
    const acks = r.int16();
    r.int32(); // timeout_ms: writes complete synchronously
    const request = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
    }));
    const validAcks = acks === -1 || acks === 0 || acks === 1;
    const { topics, logger } = ctx.broker;
    const results = request.map((t) => {
      const { topic, errorCode: topicError } = validAcks
        ? topics.getOrAutoCreate(t.name)
        : { topic: undefined, errorCode: ErrorCode.INVALID_REQUIRED_ACKS };
      const partitions = t.partitions.map((p): PartitionResult => {
        const log = topic?.partitions[p.index];
        if (!log) {
          const errorCode = topic ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : topicError;
          return { index: p.index, errorCode, errorMessage: null, baseOffset: -1, logStartOffset: -1 };
        }
        if (!p.records || p.records.length === 0) {
          return {
            index: p.index,
            errorCode: ErrorCode.CORRUPT_MESSAGE,
            errorMessage: 'empty record set',
            baseOffset: -1,
            logStartOffset: -1,
          };
        }
        const res = log.append(p.records);
        if (res.errorCode !== ErrorCode.NONE) {
          logger.warn('produce rejected', {
            topic: t.name,
            partition: p.index,
            errorCode: res.errorCode,
            reason: res.errorMessage,
            clientId: ctx.clientId,
          });
        }
        return {
          index: p.index,
          errorCode: res.errorCode,
          errorMessage: res.errorMessage,
          baseOffset: res.baseOffset,
          logStartOffset: log.logStartOffset,
        };
      });
      return { name: t.name, partitions };
    });
    if (acks === 0) {
      // No response to carry the error: Kafka closes the connection so the client notices.
      const failed = results.flatMap((t) => t.partitions).find((p) => p.errorCode !== ErrorCode.NONE);
      if (failed)
        throw new KafkaError(
          failed.errorCode as ErrorCodeT,
          `acks=0 produce failed with error ${failed.errorCode}`,
        );
      return null;
    }

    const w = new ResponseWriter(128);
    w.array(results, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
        if (v >= 2) w.int64(-1); // log_append_time_ms: topics use CreateTime
        if (v >= 5) w.int64(p.logStartOffset);
        if (v >= 8) {
          w.int32(0); // record_errors
          w.nullableString(p.errorMessage);
        }
      });
    });
    w.int32(0); // throttle_time_ms
    return w;
  },
};
