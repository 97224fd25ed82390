// Helpers shared by the bus tests (not exported from the package).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, startBroker } from '@tapeline/kafka-broker';
import { createBus, type Bus, type BusOptions } from '../bus';
import type { BusConfig } from '../config';
import type { BusLogger } from '../logger';

export interface TestBroker {
  brokers: string[];
  close(): Promise<void>;
}

export async function startTestBroker(): Promise<TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bus-test-'));
  const broker = await startBroker({
    port: 0,
    dataDir,
    ...(process.env['BUS_TEST_LOG'] === '1' ? {} : { logger: silentLogger }),
  });
  return {
    brokers: [`${broker.host}:${broker.port}`],
    async close() {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let prefixSeq = 0;
/** A prefix per test keeps topics and groups of different tests apart on one broker. */
export function uniquePrefix(): string {
  return `t${process.pid}-${++prefixSeq}-${Date.now().toString(36)}.`;
}

export function testConfig(brokers: string[], prefix: string, partitions = 3): BusConfig {
  return {
    brokers,
    clientId: 'bus-test',
    topicPrefix: prefix,
    ssl: false,
    topics: { partitions, replicationFactor: 1, retentionMs: 3_600_000 },
  };
}

/** Collects log records so tests can assert on them and keep test output quiet. */
export function memoryLogger(echo = process.env['BUS_TEST_LOG'] === '1'): BusLogger & {
  records: { level: string; obj: Record<string, unknown>; msg: string }[];
} {
  const records: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      records.push({ level, obj, msg });
      if (echo) process.stderr.write(`${level} ${msg} ${safeJson(obj)}\n`);
    };
  return { records, info: log('info'), warn: log('warn'), error: log('error') };
}

function safeJson(obj: unknown): string {
  try {
    return JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v));
  } catch {
    return '';
  }
}

export function testBus(brokers: string[], prefix: string, options: BusOptions = {}, partitions = 3): Bus {
  return createBus(testConfig(brokers, prefix, partitions), memoryLogger(), {
    connectionTimeoutMs: 1000,
    ...options,
  });
}

/** Polls until the condition holds; fails with the description after the timeout. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
