// Public API of @tapeline/bus. Nothing here names a kafkajs type: the client stays replaceable.
export { createBus, type Bus, type BusHealth, type BusOptions, type EnsuredTopic } from './bus';
export {
  BUS_CONFIG_DEFAULTS,
  formatBusConfigProblems,
  parseBusConfig,
  type BusConfig,
  type BusConfigProblem,
  type BusConfigResult,
  type SaslMechanism,
  type TopicSettings,
} from './config';
export {
  PoisonMessageError,
  type ConsumedEvent,
  type ConsumedEventOf,
  type ConsumeOptions,
  type ConsumerState,
  type EventConsumer,
  type EventHandler,
} from './consumer';
export type { DeadLetter, DeadLetterPublisher } from './dead-letter';
export { BusClosedError, BusPublishError } from './errors';
export { createStderrLogger, type BusLogger, type ClientLogLevel } from './logger';
export type { EventProducer, ProducerOptions, RawHeaders } from './producer';
export type { BusStats } from './stats';
export { utcIsoMicros } from './time';
export {
  DLQ_SUFFIX,
  isTopicName,
  TOPIC_NAMES,
  TopicRegistry,
  type TopicName,
  type TopicPayloads,
  type TopicSpec,
} from './topics';
