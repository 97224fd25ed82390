// Metadata (key 3), v0-8. This node (id 0) is controller and the leader of every partition, and
// is advertised at the address the client connected to.
import { type ApiHandler } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';
import { type Topic } from '../../log/topic-registry';

export const NODE_ID = 0;

export const metadataApi: ApiHandler = {
  key: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 8,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    // v0: an empty list means all topics; v1+: null means all topics and empty means none.
    const requested = r.nullableArray((r) => r.string());
    // Before v4 there was no flag and brokers auto-created (Kafka's behaviour for old clients).
    const allowAutoCreate = v >= 4 ? r.bool() : true;
    if (v >= 8) {
      r.bool(); // include_cluster_authorized_operations
      r.bool(); // include_topic_authorized_operations
    }
    const { topics } = ctx.broker;
    const all = requested === null || (v === 0 && requested.length === 0);
    const entries: Array<{ name: string; errorCode: number; topic: Topic | undefined }> = [];
    if (all) {
      for (const t of topics.all()) entries.push({ name: t.name, errorCode: ErrorCode.NONE, topic: t });
    } else {
      for (const name of new Set(requested)) {
        const { topic, errorCode } = topics.getOrAutoCreate(name, allowAutoCreate);
        entries.push({ name, errorCode, topic });
      }
    }

    const w = new ResponseWriter(512);
    if (v >= 3) w.int32(0); // throttle_time_ms
    w.int32(1);
    w.int32(NODE_ID).string(ctx.connection.localHost).int32(ctx.connection.localPort);
    if (v >= 1) w.nullableString(null); // rack
    if (v >= 2) w.nullableString(ctx.broker.clusterId);
    if (v >= 1) w.int32(NODE_ID); // controller_id
    w.array(entries, (w, e) => {
      w.int16(e.errorCode).string(e.name);
      if (v >= 1) w.bool(false); // is_internal
      const partitions = e.topic?.partitions ?? [];
      w.array(partitions, (w, p) => {
        w.int16(ErrorCode.NONE).int32(p.partition).int32(NODE_ID);
        if (v >= 7) w.int32(0); // leader_epoch: one leader forever
        w.int32(1).int32(NODE_ID); // replica_nodes
        w.int32(1).int32(NODE_ID); // isr_nodes
        if (v >= 5) w.int32(0); // offline_replicas
      });
      if (v >= 8) w.int32(-2147483648); // topic_authorized_operations: not requested
    });
    if (v >= 8) w.int32(-2147483648); // cluster_authorized_operations
    return w;
  },
};
