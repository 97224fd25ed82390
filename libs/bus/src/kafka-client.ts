// The only module that builds kafkajs objects from bus configuration. kafkajs is unmaintained
// since 2023; keeping its construction (and its types) here and in the producer/consumer
// internals lets a successor client replace it without touching the public API.
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { BusConfig } from './config';
import type { BusLogger, ClientLogLevel } from './logger';

export interface ClientOptions {
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  clientLogLevel?: ClientLogLevel;
}

// kafkajs warns about any bounded retry budget on an idempotent producer. The bus bounds it on
// purpose (a send must fail loudly rather than retry forever) and retries with the same producer
// id and sequence numbers, so the broker still de-duplicates; the warning is noise.
const SUPPRESSED = [/Limiting retries for the idempotent producer/];

export interface ClientRetry {
  retries: number;
  initialRetryTime: number;
  maxRetryTime: number;
}

/** Admin and consumers ride out a broker restart (consumers also restart themselves). */
export const PATIENT_RETRY: ClientRetry = { retries: 8, initialRetryTime: 100, maxRetryTime: 5000 };
/**
 * The producer's client gives up fast: kafkajs applies this budget to every (re)connection to a
 * seed broker inside each send, and the bus's own publish retry budget must be the one that
 * decides when a send fails.
 */
export const BRIEF_RETRY: ClientRetry = { retries: 1, initialRetryTime: 100, maxRetryTime: 500 };

export function createKafka(
  config: BusConfig,
  logger: BusLogger,
  options: ClientOptions = {},
  retry: ClientRetry = PATIENT_RETRY,
): Kafka {
  const level =
    options.clientLogLevel === 'info'
      ? logLevel.INFO
      : options.clientLogLevel === 'error'
        ? logLevel.ERROR
        : logLevel.WARN;
  const kafkaConfig: KafkaConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    logLevel: level,
    logCreator: () => (entry: LogEntry) => forward(logger, entry),
    retry: { ...retry },
  };
  if (config.sasl) {
    kafkaConfig.sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password: config.sasl.password,
    } as SASLOptions;
  }
  return new Kafka(kafkaConfig);
}

function forward(logger: BusLogger, entry: LogEntry): void {
  const { message, timestamp: _timestamp, ...rest } = entry.log;
  if (SUPPRESSED.some((re) => re.test(message))) return;
  const obj = { component: 'kafkajs', namespace: entry.namespace, ...rest };
  if (entry.level === logLevel.ERROR) logger.error(obj, message);
  else if (entry.level === logLevel.WARN) logger.warn(obj, message);
  else if (entry.level === logLevel.INFO) logger.info(obj, message);
}
