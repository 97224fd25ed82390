// The set of topics and their partition logs. Topic metadata (partition count, config overrides)
// is persisted in `<dataDir>/topics.json`; each partition's data lives in `<dataDir>/logs/<topic>-<n>/`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode, type ErrorCode as ErrorCodeT } from '../protocol/error-codes';
import { readJsonFile, writeFileAtomic } from '../durable-file';
import { type Logger } from '../logger';
import { type LogConfig, resolveLogConfig } from './log-config';
import { PartitionLog } from './partition-log';

const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;

interface StoredTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export class Topic {
  constructor(
    readonly name: string,
    public replicationFactor: number,
    readonly configs: Record<string, string>,
    readonly config: LogConfig,
    readonly partitions: PartitionLog[],
  ) {}
}

export interface TopicRegistryOptions {
  dataDir: string;
  logDefaults: LogConfig;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  fsync: boolean;
  logger: Logger;
}

export interface TopicResult {
  errorCode: ErrorCodeT;
  errorMessage: string | null;
}

/** Kafka's rules for topic names (Topic.validate). */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL_TOPIC_CHARS.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

export class TopicRegistry {
  private readonly topics = new Map<string, Topic>();
  private readonly metaFile: string;
  private readonly logsDir: string;
  private readonly deletionListeners: Array<(topic: string) => void> = [];

  constructor(private readonly options: TopicRegistryOptions) {
    this.metaFile = path.join(options.dataDir, 'topics.json');
    this.logsDir = path.join(options.dataDir, 'logs');
  }

  get autoCreateEnabled(): boolean {
    return this.options.autoCreateTopics;
  }

  /** Opens every persisted topic, recovering its logs, and removes directories of deleted topics. */
  load(): void {
    fs.mkdirSync(this.logsDir, { recursive: true });
    const stored = readJsonFile<{ topics: StoredTopic[] }>(this.metaFile)?.topics ?? [];
    const expectedDirs = new Set<string>();
    for (const t of stored) {
      const config = resolveLogConfig(this.options.logDefaults, t.configs);
      const effective = typeof config === 'string' ? this.options.logDefaults : config;
      const partitions: PartitionLog[] = [];
      for (let p = 0; p < t.partitions; p++) {
        expectedDirs.add(`${t.name}-${p}`);
        partitions.push(this.openPartition(t.name, p, effective));
      }
      this.topics.set(t.name, new Topic(t.name, t.replicationFactor, t.configs, effective, partitions));
    }
    for (const dir of fs.readdirSync(this.logsDir)) {
      if (!expectedDirs.has(dir)) {
        this.options.logger.warn('removing log directory of a topic that no longer exists', { dir });
        fs.rmSync(path.join(this.logsDir, dir), { recursive: true, force: true });
      }
    }
  }

  private openPartition(topic: string, partition: number, config: LogConfig): PartitionLog {
    return PartitionLog.open(this.logsDir, topic, partition, config, {
      fsync: this.options.fsync,
      onWarning: (msg, fields) => this.options.logger.warn(msg, fields),
    });
  }

  private persist(): void {
    const topics: StoredTopic[] = [...this.topics.values()].map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicationFactor: t.replicationFactor,
      configs: t.configs,
    }));
    writeFileAtomic(this.metaFile, JSON.stringify({ topics }, null, 2) + '\n');
  }

  onTopicDeleted(listener: (topic: string) => void): void {
    this.deletionListeners.push(listener);
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  all(): Topic[] {
    return [...this.topics.values()];
  }

  /**
   * Creates a topic. Replication factors above 1 are accepted and recorded but this single node
   * holds the only copy.
   */
  create(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly = false,
  ): TopicResult {
    const invalid = validateTopicName(name);
    if (invalid) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalid };
    if (this.topics.has(name))
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.` };
    const normalized = name.replace(/\./g, '_');
    for (const existing of this.topics.keys()) {
      if (existing.replace(/\./g, '_') === normalized) {
        return {
          errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
          errorMessage: `Topic '${name}' collides with existing topic: ${existing}`,
        };
      }
    }
    if (numPartitions === -1) numPartitions = this.options.defaultPartitions;
    if (replicationFactor === -1) replicationFactor = 1;
    if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: 'Number of partitions must be larger than 0.',
      };
    }
    if (replicationFactor <= 0) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        errorMessage: 'Replication factor must be larger than 0.',
      };
    }
    const config = resolveLogConfig(this.options.logDefaults, configs);
    if (typeof config === 'string') return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: config };
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };

    const partitions: PartitionLog[] = [];
    for (let p = 0; p < numPartitions; p++) {
      // A directory left by an earlier topic of the same name must not leak old data into this one.
      fs.rmSync(path.join(this.logsDir, `${name}-${p}`), { recursive: true, force: true });
      partitions.push(this.openPartition(name, p, config));
    }
    this.topics.set(name, new Topic(name, replicationFactor, { ...configs }, config, partitions));
    this.persist();
    this.options.logger.info('topic created', {
      topic: name,
      partitions: numPartitions,
      replicationFactor,
      configs,
    });
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /** The topic, created with default settings when auto-creation is on (auto.create.topics.enable). */
  getOrAutoCreate(name: string, allowAutoCreate = true): { topic: Topic | undefined; errorCode: ErrorCodeT } {
    const existing = this.topics.get(name);
    if (existing) return { topic: existing, errorCode: ErrorCode.NONE };
    if (validateTopicName(name)) return { topic: undefined, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
    if (!allowAutoCreate || !this.options.autoCreateTopics) {
      return { topic: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    }
    const result = this.create(name, this.options.defaultPartitions, 1, {});
    if (result.errorCode !== ErrorCode.NONE) return { topic: undefined, errorCode: result.errorCode };
    return { topic: this.topics.get(name), errorCode: ErrorCode.NONE };
  }

  delete(name: string): TopicResult {
    const topic = this.topics.get(name);
    if (!topic)
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'This server does not host this topic-partition.',
      };
    this.topics.delete(name);
    this.persist();
    for (const p of topic.partitions) p.deleteFiles();
    for (const l of this.deletionListeners) l(name);
    this.options.logger.info('topic deleted', { topic: name });
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  addPartitions(name: string, count: number, validateOnly: boolean): TopicResult {
    const topic = this.topics.get(name);
    if (!topic)
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'This server does not host this topic-partition.',
      };
    const current = topic.partitions.length;
    if (count <= current) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: `Topic currently has ${current} partitions, which is higher than the requested ${count}.`,
      };
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    for (let p = current; p < count; p++) {
      fs.rmSync(path.join(this.logsDir, `${name}-${p}`), { recursive: true, force: true });
      topic.partitions.push(this.openPartition(name, p, topic.config));
    }
    this.persist();
    this.options.logger.info('partitions added', { topic: name, partitions: count });
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  enforceRetention(now: number): void {
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        const removed = p.enforceRetention(now);
        if (removed > 0) {
          this.options.logger.info('deleted segments by retention', {
            topic: topic.name,
            partition: p.partition,
            segments: removed,
            logStartOffset: p.logStartOffset,
          });
        }
      }
    }
  }

  flush(): void {
    for (const topic of this.topics.values()) for (const p of topic.partitions) p.flush();
  }

  close(): void {
    for (const topic of this.topics.values()) for (const p of topic.partitions) p.close();
    this.topics.clear();
  }
}
