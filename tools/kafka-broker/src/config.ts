// Broker settings, from the environment for the CLI or from options for in-process use.
import * as path from 'node:path';
import { type LogConfig } from './log/log-config';
import { type LogLevel } from './logger';

export interface BrokerConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** Defaults for every topic; CreateTopics configs override them per topic. */
  log: LogConfig;
  retentionCheckIntervalMs: number;
  /** fdatasync each produce before acknowledging it (write() alone already survives a process crash). */
  fsync: boolean;
  logLevel: LogLevel;
  /** group.initial.rebalance.delay.ms; Kafka's default is 3000, 0 suits a dev broker and tests. */
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
}

export const DEFAULT_CONFIG: Omit<BrokerConfig, 'dataDir'> = {
  host: '127.0.0.1',
  port: 9092,
  autoCreateTopics: true,
  defaultPartitions: 3,
  log: {
    segmentBytes: 1073741824,
    segmentMs: 604800000,
    retentionMs: 604800000,
    retentionBytes: -1,
    maxMessageBytes: 1048588,
    cleanupPolicy: 'delete',
  },
  retentionCheckIntervalMs: 300000,
  fsync: false,
  logLevel: 'info',
  groupInitialRebalanceDelayMs: 0,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
};

type Env = Record<string, string | undefined>;

/** Environment variables read by the CLI, for the error message and the docs. */
export const ENV_VARS = [
  'KAFKA_DEV_PORT',
  'KAFKA_DEV_HOST',
  'KAFKA_DEV_DATA_DIR',
  'KAFKA_AUTO_CREATE_TOPICS',
  'KAFKA_DEFAULT_PARTITIONS',
  'KAFKA_LOG_SEGMENT_BYTES',
  'KAFKA_LOG_SEGMENT_MS',
  'KAFKA_LOG_RETENTION_MS',
  'KAFKA_LOG_RETENTION_BYTES',
  'KAFKA_LOG_RETENTION_CHECK_INTERVAL_MS',
  'KAFKA_MESSAGE_MAX_BYTES',
  'KAFKA_LOG_FSYNC',
  'KAFKA_LOG_LEVEL',
  'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS',
  'KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS',
  'KAFKA_GROUP_MAX_SESSION_TIMEOUT_MS',
] as const;

export type ConfigResult = { ok: true; config: BrokerConfig } | { ok: false; errors: string[] };

/** Reads every variable and reports all invalid ones together rather than stopping at the first. */
export function configFromEnv(env: Env, cwd = process.cwd()): ConfigResult {
  const errors: string[] = [];
  const d = DEFAULT_CONFIG;

  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw.trim());
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      errors.push(`${name}=${JSON.stringify(raw)} (expected an integer from ${min} to ${max})`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    errors.push(`${name}=${JSON.stringify(raw)} (expected true or false)`);
    return fallback;
  };
  const str = (name: string, fallback: string): string => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    if (raw.trim() === '') {
      errors.push(`${name} is set but empty`);
      return fallback;
    }
    return raw.trim();
  };

  const levelRaw = str('KAFKA_LOG_LEVEL', d.logLevel);
  let logLevel: LogLevel = d.logLevel;
  if (['debug', 'info', 'warn', 'error'].includes(levelRaw)) logLevel = levelRaw as LogLevel;
  else errors.push(`KAFKA_LOG_LEVEL=${JSON.stringify(levelRaw)} (expected debug, info, warn or error)`);

  const config: BrokerConfig = {
    host: str('KAFKA_DEV_HOST', d.host),
    port: int('KAFKA_DEV_PORT', d.port, 0, 65535),
    dataDir: path.resolve(cwd, str('KAFKA_DEV_DATA_DIR', path.join('.tapeline', 'kafka'))),
    autoCreateTopics: bool('KAFKA_AUTO_CREATE_TOPICS', d.autoCreateTopics),
    defaultPartitions: int('KAFKA_DEFAULT_PARTITIONS', d.defaultPartitions, 1, 100000),
    log: {
      segmentBytes: int('KAFKA_LOG_SEGMENT_BYTES', d.log.segmentBytes, 14, 2147483647),
      segmentMs: int('KAFKA_LOG_SEGMENT_MS', d.log.segmentMs, 1),
      retentionMs: int('KAFKA_LOG_RETENTION_MS', d.log.retentionMs, -1),
      retentionBytes: int('KAFKA_LOG_RETENTION_BYTES', d.log.retentionBytes, -1),
      maxMessageBytes: int('KAFKA_MESSAGE_MAX_BYTES', d.log.maxMessageBytes, 0, 2147483647),
      cleanupPolicy: 'delete',
    },
    retentionCheckIntervalMs: int(
      'KAFKA_LOG_RETENTION_CHECK_INTERVAL_MS',
      d.retentionCheckIntervalMs,
      1,
      2147483647,
    ),
    fsync: bool('KAFKA_LOG_FSYNC', d.fsync),
    logLevel,
    groupInitialRebalanceDelayMs: int(
      'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS',
      d.groupInitialRebalanceDelayMs,
      0,
      2147483647,
    ),
    groupMinSessionTimeoutMs: int(
      'KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS',
      d.groupMinSessionTimeoutMs,
      1,
      2147483647,
    ),
    groupMaxSessionTimeoutMs: int(
      'KAFKA_GROUP_MAX_SESSION_TIMEOUT_MS',
      d.groupMaxSessionTimeoutMs,
      1,
      2147483647,
    ),
  };
  if (config.groupMinSessionTimeoutMs > config.groupMaxSessionTimeoutMs) {
    errors.push('KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS must not exceed KAFKA_GROUP_MAX_SESSION_TIMEOUT_MS');
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}
