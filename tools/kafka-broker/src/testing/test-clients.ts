// Test plumbing for kafkajs clients against a test broker: tracked clients (so a failed test
// cannot leave one retrying), keyed producers, consumer settings and polling. Used by the tests
// only; not exported from the package.
import { Kafka, logLevel, Partitioners, type KafkaConfig, type Producer, type ProducerConfig } from 'kafkajs';

const openClients = new Set<{ disconnect(): Promise<void> }>();

/**
 * Disconnects every kafkajs client the tests created and has not closed: a failed test must not
 * leave a consumer retrying forever and keep the test process alive.
 */
export async function disconnectAll(): Promise<void> {
  const clients = [...openClients];
  openClients.clear();
  await Promise.allSettled(clients.map((c) => c.disconnect()));
}

export function kafkaClient(address: string | string[], overrides: Partial<KafkaConfig> = {}): Kafka {
  const kafka = new Kafka({
    clientId: 'broker-test',
    brokers: Array.isArray(address) ? address : [address],
    logLevel:
      process.env.KAFKAJS_TEST_LOGS === 'debug'
        ? logLevel.DEBUG
        : process.env.KAFKAJS_TEST_LOGS
          ? logLevel.INFO
          : logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    ...overrides,
  });
  const track = <T extends { disconnect(): Promise<void> }>(client: T): T => {
    openClients.add(client);
    const disconnect = client.disconnect.bind(client);
    client.disconnect = async () => {
      openClients.delete(client);
      await disconnect();
    };
    return client;
  };
  const consumer = kafka.consumer.bind(kafka);
  const producer = kafka.producer.bind(kafka);
  const admin = kafka.admin.bind(kafka);
  kafka.consumer = (config) => track(consumer(config));
  kafka.producer = (config) => track(producer(config));
  kafka.admin = (config) => track(admin(config));
  return kafka;
}

export function keyedProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
}

/** Polls `check` until it returns a truthy value; fails with `what` after timeoutMs. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Consumer settings that make rebalances and long polls quick in tests. */
export const FAST_CONSUMER = {
  sessionTimeout: 10000,
  rebalanceTimeout: 10000,
  heartbeatInterval: 300,
  maxWaitTimeInMs: 300,
  retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
};
