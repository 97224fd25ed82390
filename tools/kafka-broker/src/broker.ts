// Assembles a broker: recovers the data directory (topics, logs, group offsets, producer ids),
// starts the listener and the retention task, and shuts all of it down in order.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BrokerConfig, DEFAULT_CONFIG } from './config';
import { DataDirLock } from './data-dir-lock';
import { readJsonFile, writeFileAtomic } from './durable-file';
import { GroupCoordinator } from './group/group-coordinator';
import { OffsetStore } from './group/offset-store';
import { TopicRegistry } from './log/topic-registry';
import { createLogger, type Logger } from './logger';
import { ProducerIdAllocator } from './producer-id-allocator';
import { type BrokerState } from './protocol/api';
import { API_HANDLERS } from './protocol/apis';
import { BrokerServer } from './server';

export interface BrokerOptions extends Partial<Omit<BrokerConfig, 'log' | 'dataDir'>> {
  dataDir: string;
  log?: Partial<BrokerConfig['log']>;
  /** Defaults to JSON lines on stdout at config.logLevel. */
  logger?: Logger;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** host:port, ready for a client's brokers list. */
  address: string;
  config: BrokerConfig;
  close(): Promise<void>;
}

function resolveConfig(options: BrokerOptions): BrokerConfig {
  const { logger: _logger, log, ...rest } = options;
  return { ...DEFAULT_CONFIG, ...rest, log: { ...DEFAULT_CONFIG.log, ...log } };
}

/** Starts a broker in this process. port 0 picks a free port. */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const config = resolveConfig(options);
  const logger = options.logger ?? createLogger(config.logLevel);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const lock = DataDirLock.acquire(config.dataDir);
  try {
    return await openBroker(config, logger, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function openBroker(config: BrokerConfig, logger: Logger, lock: DataDirLock): Promise<RunningBroker> {
  const metaFile = path.join(config.dataDir, 'broker.json');
  let meta = readJsonFile<{ clusterId: string }>(metaFile);
  if (!meta) {
    meta = { clusterId: randomBytes(16).toString('base64url').slice(0, 22) };
    writeFileAtomic(metaFile, JSON.stringify(meta) + '\n');
  }

  const topics = new TopicRegistry({
    dataDir: config.dataDir,
    logDefaults: config.log,
    autoCreateTopics: config.autoCreateTopics,
    defaultPartitions: config.defaultPartitions,
    fsync: config.fsync,
    logger,
  });
  const started = Date.now();
  topics.load();
  const offsets = new OffsetStore(config.dataDir, config.fsync, logger);
  offsets.load();
  const producerIds = new ProducerIdAllocator(config.dataDir);
  producerIds.load();
  const groups = new GroupCoordinator(
    offsets,
    {
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    },
    logger,
  );
  topics.onTopicDeleted((topic) => groups.topicDeleted(topic));
  logger.info('data directory recovered', {
    dataDir: config.dataDir,
    topics: topics.all().length,
    ms: Date.now() - started,
  });

  const shuttingDown = { value: false, listeners: new Set<() => void>() };
  const state: BrokerState = {
    config,
    topics,
    groups,
    producerIds,
    logger,
    clusterId: meta.clusterId,
    supportedApis: API_HANDLERS.map((h) => ({
      key: h.key,
      minVersion: h.minVersion,
      maxVersion: h.maxVersion,
    })),
    shuttingDown,
  };
  const server = new BrokerServer(API_HANDLERS, state);
  let bound: { host: string; port: number };
  try {
    bound = await server.listen(config.host, config.port);
  } catch (err) {
    groups.close();
    offsets.close();
    topics.close();
    throw err;
  }

  const retention = setInterval(() => {
    try {
      topics.enforceRetention(Date.now());
    } catch (err) {
      logger.error('retention check failed', { err });
    }
  }, config.retentionCheckIntervalMs);
  retention.unref();

  const address = `${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`;
  logger.announce(`broker listening on ${address}`, {
    host: bound.host,
    port: bound.port,
    dataDir: config.dataDir,
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown.value = true;
      for (const l of [...shuttingDown.listeners]) l();
      clearInterval(retention);
      // Members waiting in a rebalance get their answer before the connections go.
      groups.close();
      await server.close();
      topics.flush();
      offsets.close();
      topics.close();
      lock.release();
      logger.announce('broker stopped', {});
    })();
    return closing;
  };

  return { host: bound.host, port: bound.port, address, config, close };
}
