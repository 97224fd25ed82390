// In-process brokers for the tests: a temporary data dir each, and useTestBroker() for the common
// case of one broker shared by a whole test file. Used by the tests only; not exported from the
// package.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { startBroker, type BrokerOptions, type RunningBroker } from '../broker';
import { silentLogger } from '../logger';
import { disconnectAll } from './test-clients';

export type TestBroker = RunningBroker & { dataDir: string; stop(): Promise<void> };

export function tempDataDir(prefix = 'kafka-broker-test-'): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A broker on a free port in its own temporary data dir; stop() closes it and removes the dir. */
export async function startTestBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const data = options.dataDir ? { dir: options.dataDir, remove: () => undefined } : tempDataDir();
  const logger = process.env.BROKER_TEST_LOGS ? undefined : silentLogger;
  const broker = await startBroker({ port: 0, logger, ...options, dataDir: data.dir });
  return {
    ...broker,
    dataDir: data.dir,
    stop: async () => {
      await broker.close();
      data.remove();
    },
  };
}

export interface TestBrokerHooks {
  /** Runs after the file's tests, before the broker stops (e.g. closing raw sockets). */
  beforeStop?: () => void | Promise<void>;
}

/**
 * One broker for the whole test file: started in a `before` hook, and in an `after` hook every
 * kafkajs client the file left open is disconnected, then the broker stops and its data dir goes.
 * The returned object is filled in when the broker has started, so tests use it as the broker.
 */
export function useTestBroker(options: Partial<BrokerOptions> = {}, hooks: TestBrokerHooks = {}): TestBroker {
  const broker = {} as TestBroker;
  before(async () => {
    Object.assign(broker, await startTestBroker(options));
  });
  after(async () => {
    await hooks.beforeStop?.();
    await disconnectAll();
    await broker.stop?.();
  });
  return broker;
}
