// DescribeConfigs (key 32), v0-2, for topics and this broker: the effective log settings and any
// other topic config given at creation.
import { type ApiHandler, type RequestContext } from '../api';
import { ApiKey } from '../api-keys';
import { ErrorCode } from '../error-codes';
import { ResponseWriter } from '../writer';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SOURCE_TOPIC_OVERRIDE = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

interface ConfigEntry {
  name: string;
  value: string;
  source: number;
}

function topicConfigs(ctx: RequestContext, name: string): ConfigEntry[] | null {
  const topic = ctx.broker.topics.get(name);
  if (!topic) return null;
  const c = topic.config;
  const effective: Record<string, string> = {
    'cleanup.policy': c.cleanupPolicy,
    'max.message.bytes': String(c.maxMessageBytes),
    'retention.bytes': String(c.retentionBytes),
    'retention.ms': String(c.retentionMs),
    'segment.bytes': String(c.segmentBytes),
    'segment.ms': String(c.segmentMs),
    'message.timestamp.type': 'CreateTime',
    'min.insync.replicas': '1',
  };
  for (const [k, v] of Object.entries(topic.configs)) if (!(k in effective)) effective[k] = v;
  return Object.entries(effective).map(([k, v]) => ({
    name: k,
    value: v,
    source: k in topic.configs ? SOURCE_TOPIC_OVERRIDE : SOURCE_DEFAULT,
  }));
}

function brokerConfigs(ctx: RequestContext): ConfigEntry[] {
  const cfg = ctx.broker.config;
  const entries: Record<string, string> = {
    'broker.id': '0',
    'auto.create.topics.enable': String(cfg.autoCreateTopics),
    'num.partitions': String(cfg.defaultPartitions),
    'default.replication.factor': '1',
    'log.segment.bytes': String(cfg.log.segmentBytes),
    'log.retention.ms': String(cfg.log.retentionMs),
    'log.retention.bytes': String(cfg.log.retentionBytes),
    'log.retention.check.interval.ms': String(cfg.retentionCheckIntervalMs),
    'message.max.bytes': String(cfg.log.maxMessageBytes),
    'group.initial.rebalance.delay.ms': String(cfg.groupInitialRebalanceDelayMs),
    'group.min.session.timeout.ms': String(cfg.groupMinSessionTimeoutMs),
    'group.max.session.timeout.ms': String(cfg.groupMaxSessionTimeoutMs),
  };
  return Object.entries(entries).map(([name, value]) => ({ name, value, source: SOURCE_STATIC_BROKER }));
}

export const describeConfigsApi: ApiHandler = {
  key: ApiKey.DescribeConfigs,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, r) {
    const v = ctx.apiVersion;
    const resources = r.array((r) => ({
      type: r.int8(),
      name: r.string(),
      names: r.nullableArray((r) => r.string()),
    }));
    if (v >= 1) r.bool(); // include_synonyms
    const w = new ResponseWriter(512);
    w.int32(0); // throttle_time_ms
    w.array(resources, (w, res) => {
      let entries: ConfigEntry[] | null = null;
      let errorCode: number = ErrorCode.NONE;
      let message: string | null = null;
      if (res.type === RESOURCE_TOPIC) {
        entries = topicConfigs(ctx, res.name);
        if (!entries) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          message = `Topic ${res.name} does not exist`;
        }
      } else if (res.type === RESOURCE_BROKER && (res.name === '' || res.name === '0')) {
        entries = brokerConfigs(ctx);
      } else {
        errorCode = ErrorCode.INVALID_REQUEST;
        message = `Unsupported resource ${res.type}:${res.name}`;
      }
      const wanted = res.names ? new Set(res.names) : null;
      const list = (entries ?? []).filter((e) => !wanted || wanted.has(e.name));
      w.int16(errorCode).nullableString(message).int8(res.type).string(res.name);
      w.array(list, (w, e) => {
        w.string(e.name).nullableString(e.value).bool(false);
        if (v === 0) w.bool(e.source === SOURCE_DEFAULT);
        else w.int8(e.source);
        w.bool(false); // is_sensitive
        if (v >= 1) w.int32(0); // synonyms
      });
    });
    return w;
  },
};
