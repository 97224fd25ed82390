// Per-topic log settings. Broker-wide defaults come from the environment; CreateTopics may
// override them with the standard Kafka topic config names.

export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  /** -1 keeps data forever, like Kafka. */
  retentionMs: number;
  /** Per partition; -1 means unbounded. */
  retentionBytes: number;
  maxMessageBytes: number;
  cleanupPolicy: string;
}

/** Topic configs Kafka knows; any of them is accepted, only those in LogConfig take effect here. */
const KNOWN_TOPIC_CONFIGS = new Set([
  'cleanup.policy',
  'compression.type',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'remote.storage.enable',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
]);

function parseLong(value: string, min: number): number | null {
  if (!/^-?\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= min ? n : null;
}

/**
 * Applies topic-level overrides to the defaults. Returns an error message for the first
 * unknown or invalid config, as Kafka answers CreateTopics with INVALID_CONFIG.
 */
export function resolveLogConfig(defaults: LogConfig, overrides: Record<string, string>): LogConfig | string {
  const cfg: LogConfig = { ...defaults };
  for (const [name, value] of Object.entries(overrides)) {
    if (!KNOWN_TOPIC_CONFIGS.has(name)) return `Unknown topic config name: ${name}`;
    switch (name) {
      case 'segment.bytes': {
        const n = parseLong(value, 14);
        if (n === null || n > 2147483647) return `Invalid value ${value} for configuration segment.bytes`;
        cfg.segmentBytes = n;
        break;
      }
      case 'segment.ms': {
        const n = parseLong(value, 1);
        if (n === null) return `Invalid value ${value} for configuration segment.ms`;
        cfg.segmentMs = n;
        break;
      }
      case 'retention.ms': {
        const n = parseLong(value, -1);
        if (n === null) return `Invalid value ${value} for configuration retention.ms`;
        cfg.retentionMs = n;
        break;
      }
      case 'retention.bytes': {
        const n = parseLong(value, -1);
        if (n === null) return `Invalid value ${value} for configuration retention.bytes`;
        cfg.retentionBytes = n;
        break;
      }
      case 'max.message.bytes': {
        const n = parseLong(value, 0);
        if (n === null || n > 2147483647) return `Invalid value ${value} for configuration max.message.bytes`;
        cfg.maxMessageBytes = n;
        break;
      }
      case 'cleanup.policy': {
        const parts = value.split(',').map((p) => p.trim());
        if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) {
          return `Invalid value ${value} for configuration cleanup.policy`;
        }
        cfg.cleanupPolicy = parts.join(',');
        break;
      }
      default:
        break;
    }
  }
  return cfg;
}
