import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { configFromEnv, DEFAULT_CONFIG } from '../config';

test('defaults apply when no variable is set', { timeout: 30000 }, () => {
  const res = configFromEnv({}, '/srv/app');
  assert.ok(res.ok);
  assert.equal(res.config.port, 9092);
  assert.equal(res.config.host, '127.0.0.1');
  assert.equal(res.config.dataDir, path.resolve('/srv/app', '.tapeline/kafka'));
  assert.equal(res.config.autoCreateTopics, true);
  assert.equal(res.config.defaultPartitions, 3);
  assert.equal(res.config.fsync, false);
  assert.deepEqual(res.config.log, DEFAULT_CONFIG.log);
});

test('variables are parsed', { timeout: 30000 }, () => {
  const res = configFromEnv({
    KAFKA_DEV_PORT: '0',
    KAFKA_DEV_HOST: '0.0.0.0',
    KAFKA_DEV_DATA_DIR: '/tmp/k',
    KAFKA_AUTO_CREATE_TOPICS: 'false',
    KAFKA_DEFAULT_PARTITIONS: '6',
    KAFKA_LOG_SEGMENT_BYTES: '1048576',
    KAFKA_LOG_RETENTION_MS: '-1',
    KAFKA_LOG_RETENTION_BYTES: '1000000',
    KAFKA_LOG_FSYNC: 'true',
  });
  assert.ok(res.ok);
  assert.equal(res.config.port, 0);
  assert.equal(res.config.host, '0.0.0.0');
  assert.equal(res.config.dataDir, '/tmp/k');
  assert.equal(res.config.autoCreateTopics, false);
  assert.equal(res.config.defaultPartitions, 6);
  assert.equal(res.config.log.segmentBytes, 1048576);
  assert.equal(res.config.log.retentionMs, -1);
  assert.equal(res.config.log.retentionBytes, 1000000);
  assert.equal(res.config.fsync, true);
});

test('every invalid variable is reported together', { timeout: 30000 }, () => {
  const res = configFromEnv({
    KAFKA_DEV_PORT: 'ninety',
    KAFKA_DEFAULT_PARTITIONS: '0',
    KAFKA_LOG_FSYNC: 'sometimes',
    KAFKA_LOG_LEVEL: 'loud',
  });
  assert.equal(res.ok, false);
  if (res.ok) return;
  assert.equal(res.errors.length, 4);
  for (const name of ['KAFKA_DEV_PORT', 'KAFKA_DEFAULT_PARTITIONS', 'KAFKA_LOG_FSYNC', 'KAFKA_LOG_LEVEL']) {
    assert.ok(
      res.errors.some((e) => e.startsWith(name)),
      name,
    );
  }
});

test('the CLI exits non-zero with one message naming every invalid variable', { timeout: 30000 }, () => {
  const main = path.join(__dirname, '..', 'main.js');
  const res = spawnSync(process.execPath, [main], {
    env: { ...process.env, KAFKA_DEV_PORT: '70000', KAFKA_AUTO_CREATE_TOPICS: 'maybe' },
    encoding: 'utf8',
    timeout: 10000,
  });
  assert.notEqual(res.status, 0);
  const out = (res.stdout + res.stderr).trim().split('\n');
  assert.equal(out.length, 1, 'a single line');
  const entry = JSON.parse(out[0]!) as { level: string; msg: string };
  assert.equal(entry.level, 'error');
  assert.match(entry.msg, /KAFKA_DEV_PORT/);
  assert.match(entry.msg, /KAFKA_AUTO_CREATE_TOPICS/);
});
