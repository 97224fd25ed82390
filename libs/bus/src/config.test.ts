import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBusConfigProblems, parseBusConfig } from './config';

test('parseBusConfig reads a full valid environment', () => {
  const r = parseBusConfig({
    KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9093',
    KAFKA_CLIENT_ID: 'market-data',
    KAFKA_TOPIC_PREFIX: 'dev.',
    KAFKA_SSL: 'true',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'svc',
    KAFKA_SASL_PASSWORD: 's3cret',
    KAFKA_TOPIC_PARTITIONS: '12',
    KAFKA_TOPIC_REPLICATION_FACTOR: '3',
    KAFKA_TOPIC_RETENTION_MS: '-1',
  });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.config, {
    brokers: ['kafka-0:9092', 'kafka-1:9093'],
    clientId: 'market-data',
    topicPrefix: 'dev.',
    ssl: true,
    sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' },
    topics: { partitions: 12, replicationFactor: 3, retentionMs: -1 },
  });
});

test('parseBusConfig applies defaults when only KAFKA_BROKERS is set', () => {
  const r = parseBusConfig({ KAFKA_BROKERS: '127.0.0.1:9092' });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.config.clientId, 'tapeline');
  assert.equal(r.config.topicPrefix, '');
  assert.equal(r.config.ssl, false);
  assert.equal(r.config.sasl, undefined);
  assert.deepEqual(r.config.topics, { partitions: 3, replicationFactor: 1, retentionMs: 604_800_000 });
});

test('parseBusConfig lists every bad variable at once and never throws', () => {
  const r = parseBusConfig({
    KAFKA_BROKERS: 'kafka-0:9092,nohost,kafka-2:70000',
    KAFKA_CLIENT_ID: 'bad id!',
    KAFKA_TOPIC_PREFIX: 'dev/',
    KAFKA_SSL: 'yes',
    KAFKA_SASL_MECHANISM: 'gssapi',
    KAFKA_TOPIC_PARTITIONS: 'zero',
    KAFKA_TOPIC_REPLICATION_FACTOR: '0',
    KAFKA_TOPIC_RETENTION_MS: '1.5',
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const variables = r.problems.map((p) => p.variable);
  for (const v of [
    'KAFKA_BROKERS',
    'KAFKA_CLIENT_ID',
    'KAFKA_TOPIC_PREFIX',
    'KAFKA_SSL',
    'KAFKA_SASL_MECHANISM',
    'KAFKA_SASL_USERNAME',
    'KAFKA_SASL_PASSWORD',
    'KAFKA_TOPIC_PARTITIONS',
    'KAFKA_TOPIC_REPLICATION_FACTOR',
    'KAFKA_TOPIC_RETENTION_MS',
  ]) {
    assert.ok(variables.includes(v), `${v} should be reported; got ${variables.join(', ')}`);
  }
  // Both bad broker entries are named, each problem says what is wrong.
  const brokerProblems = r.problems.filter((p) => p.variable === 'KAFKA_BROKERS').map((p) => p.problem);
  assert.equal(brokerProblems.length, 2);
  assert.match(brokerProblems[0]!, /"nohost" is not host:port/);
  assert.match(brokerProblems[1]!, /port 70000/);
  for (const p of r.problems) assert.ok(p.problem.length > 5);
  assert.match(formatBusConfigProblems(r.problems), /^KAFKA_BROKERS: /);
});

test('parseBusConfig: missing brokers, and credentials without a mechanism', () => {
  const r = parseBusConfig({ KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'x' });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(
    r.problems.map((p) => p.variable),
    ['KAFKA_BROKERS', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'],
  );
  assert.match(r.problems[0]!.problem, /required/);
});

test('parseBusConfig: retention 0 is refused, -1 (unlimited) accepted', () => {
  const bad = parseBusConfig({ KAFKA_BROKERS: 'k:1', KAFKA_TOPIC_RETENTION_MS: '0' });
  assert.equal(bad.ok, false);
  const good = parseBusConfig({ KAFKA_BROKERS: 'k:1', KAFKA_TOPIC_RETENTION_MS: '-1' });
  assert.equal(good.ok, true);
});
