// Public API of @tapeline/kafka-broker.
export { startBroker, type BrokerOptions, type RunningBroker } from './broker';
export { configFromEnv, DEFAULT_CONFIG, ENV_VARS, type BrokerConfig } from './config';
export { createLogger, silentLogger, type Logger, type LogLevel } from './logger';
export { spawnBroker, type SpawnBrokerOptions, type SpawnedBroker } from './testing/spawn-broker';
