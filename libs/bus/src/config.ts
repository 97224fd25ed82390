import { TOPIC_NAMES, type TopicName } from './topics';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  /** retention.ms; -1 keeps the log forever. */
  retentionMs: number;
}

export interface BusConfig {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name (e.g. `dev.` gives `dev.quotes`); empty for none. */
  topicPrefix: string;
  ssl: boolean;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** What ensureTopics() creates, for every topic and its dead-letter topic. */
  topics: TopicSettings;
  /** Per-topic exceptions to `topics` (set in code, not from the environment). */
  topicOverrides?: Partial<Record<TopicName, Partial<TopicSettings>>>;
}

export interface BusConfigProblem {
  variable: string;
  problem: string;
}

export type BusConfigResult =
  { ok: true; config: BusConfig; problems: [] } | { ok: false; problems: BusConfigProblem[] };

export const BUS_CONFIG_DEFAULTS = {
  clientId: 'tapeline',
  topicPrefix: '',
  ssl: false,
  partitions: 3,
  replicationFactor: 1,
  retentionMs: 7 * 24 * 3600 * 1000,
} as const;

const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
// Kafka's own rules: legal characters and at most 249 characters per topic name.
const TOPIC_CHARS = /^[A-Za-z0-9._-]*$/;
const MAX_TOPIC_NAME = 249;
const LONGEST_SUFFIX = Math.max(...TOPIC_NAMES.map((t) => `${t}.dlq`.length));

/**
 * Reads the bus configuration from an environment. Never throws: on any problem it returns every
 * problem found (each naming its variable), so a service can merge them into its own boot-time
 * validation and report them all at once.
 */
export function parseBusConfig(env: Record<string, string | undefined> = process.env): BusConfigResult {
  const problems: BusConfigProblem[] = [];
  const add = (variable: string, problem: string): void => {
    problems.push({ variable, problem });
  };
  const get = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined || v === null) return undefined;
    const t = String(v).trim();
    return t === '' ? undefined : t;
  };

  // KAFKA_BROKERS: required comma list of host:port.
  const brokers: string[] = [];
  const brokersRaw = get('KAFKA_BROKERS');
  if (brokersRaw === undefined) {
    add('KAFKA_BROKERS', 'is required: a comma-separated list of host:port');
  } else {
    for (const entry of brokersRaw.split(',').map((s) => s.trim())) {
      if (entry === '') {
        add('KAFKA_BROKERS', `has an empty entry in "${brokersRaw}"`);
        continue;
      }
      const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d+)$/.exec(entry);
      if (!m) {
        add('KAFKA_BROKERS', `entry "${entry}" is not host:port`);
        continue;
      }
      const port = Number(m[2]);
      if (!(port >= 1 && port <= 65535)) {
        add('KAFKA_BROKERS', `entry "${entry}" has port ${m[2]} outside 1-65535`);
        continue;
      }
      brokers.push(entry);
    }
  }

  const clientId = get('KAFKA_CLIENT_ID') ?? BUS_CONFIG_DEFAULTS.clientId;
  if (!/^[A-Za-z0-9._-]+$/.test(clientId)) {
    add('KAFKA_CLIENT_ID', `"${clientId}" may only contain letters, digits, ".", "_" and "-"`);
  }

  const topicPrefix = get('KAFKA_TOPIC_PREFIX') ?? BUS_CONFIG_DEFAULTS.topicPrefix;
  if (!TOPIC_CHARS.test(topicPrefix)) {
    add('KAFKA_TOPIC_PREFIX', `"${topicPrefix}" may only contain letters, digits, ".", "_" and "-"`);
  } else if (topicPrefix.length + LONGEST_SUFFIX > MAX_TOPIC_NAME) {
    add('KAFKA_TOPIC_PREFIX', `is too long: topic names would exceed ${MAX_TOPIC_NAME} characters`);
  }

  let ssl: boolean = BUS_CONFIG_DEFAULTS.ssl;
  const sslRaw = get('KAFKA_SSL');
  if (sslRaw !== undefined) {
    const v = sslRaw.toLowerCase();
    if (v === 'true') ssl = true;
    else if (v === 'false') ssl = false;
    else add('KAFKA_SSL', `must be "true" or "false", got "${sslRaw}"`);
  }

  let sasl: BusConfig['sasl'];
  const mechRaw = get('KAFKA_SASL_MECHANISM');
  const username = get('KAFKA_SASL_USERNAME');
  const password = env['KAFKA_SASL_PASSWORD'] === '' ? undefined : env['KAFKA_SASL_PASSWORD'];
  if (mechRaw !== undefined) {
    const mech = mechRaw.toLowerCase() as SaslMechanism;
    if (!SASL_MECHANISMS.includes(mech)) {
      add('KAFKA_SASL_MECHANISM', `must be one of ${SASL_MECHANISMS.join(', ')}, got "${mechRaw}"`);
    }
    if (username === undefined) add('KAFKA_SASL_USERNAME', `is required when KAFKA_SASL_MECHANISM is set`);
    if (password === undefined) add('KAFKA_SASL_PASSWORD', `is required when KAFKA_SASL_MECHANISM is set`);
    if (SASL_MECHANISMS.includes(mech) && username !== undefined && password !== undefined) {
      sasl = { mechanism: mech, username, password };
    }
  } else {
    if (username !== undefined) add('KAFKA_SASL_USERNAME', 'is set but KAFKA_SASL_MECHANISM is not');
    if (password !== undefined) add('KAFKA_SASL_PASSWORD', 'is set but KAFKA_SASL_MECHANISM is not');
  }

  const int = (name: string, fallback: number, min: number, what: string): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      add(name, `must be an integer (${what}), got "${raw}"`);
      return fallback;
    }
    const n = Number(raw);
    if (n < min) {
      add(name, `must be at least ${min} (${what}), got ${n}`);
      return fallback;
    }
    return n;
  };
  const partitions = int('KAFKA_TOPIC_PARTITIONS', BUS_CONFIG_DEFAULTS.partitions, 1, 'partitions per topic');
  const replicationFactor = int(
    'KAFKA_TOPIC_REPLICATION_FACTOR',
    BUS_CONFIG_DEFAULTS.replicationFactor,
    1,
    'replicas per partition',
  );
  const retentionMs = int(
    'KAFKA_TOPIC_RETENTION_MS',
    BUS_CONFIG_DEFAULTS.retentionMs,
    -1,
    'milliseconds, -1 for unlimited',
  );

  if (retentionMs === 0) {
    add('KAFKA_TOPIC_RETENTION_MS', 'is 0, which would delete every message at once; use -1 for unlimited');
  }

  if (problems.length > 0) return { ok: false, problems };
  const config: BusConfig = {
    brokers,
    clientId,
    topicPrefix,
    ssl,
    topics: { partitions, replicationFactor, retentionMs },
  };
  if (sasl) config.sasl = sasl;
  return { ok: true, config, problems: [] };
}

/** One line per problem, e.g. for an error message at boot. */
export function formatBusConfigProblems(problems: readonly BusConfigProblem[]): string {
  return problems.map((p) => `${p.variable}: ${p.problem}`).join('\n');
}
