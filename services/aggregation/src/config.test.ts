import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError } from '@tapeline/config';
import { loadAggregationConfig } from './config';

test('reads bar types in canonical form and places its files under the service data directory', () => {
  const config = loadAggregationConfig({
    KAFKA_BROKERS: '127.0.0.1:9092',
    SERVICE_DATA_DIR: '/var/lib/tapeline/aggregation',
    AGGREGATION_BAR_TYPES: '1s, 60s,tick:100',
    AGGREGATION_SESSION_START: '22:30',
  });
  assert.deepEqual(config.barTypes, ['1s', '1m', 'tick:100']);
  assert.equal(config.sessionStartMicrosOfDay, (22 * 3600 + 30 * 60) * 1_000_000);
  assert.equal(config.chdbDir, path.join('/var/lib/tapeline/aggregation', 'chdb'));
  assert.equal(config.stateDir, path.join('/var/lib/tapeline/aggregation', 'state'));
  assert.equal(config.database, 'aggregation');
  assert.equal(config.clickhouseUrl, undefined);
  assert.equal(config.redisUrl, undefined);
  assert.equal(config.bus.clientId, 'tapeline-aggregation');
});

test('lists every bad variable in one error', () => {
  assert.throws(
    () =>
      loadAggregationConfig({
        AGGREGATION_BAR_TYPES: '1s,7x,1s',
        AGGREGATION_SESSION_START: '25:00',
        REDIS_URL: 'http://cache:6379',
        CLICKHOUSE_URL: 'clickhouse:8123',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /AGGREGATION_BAR_TYPES: unknown bar type "7x"/);
      assert.match(err.message, /AGGREGATION_SESSION_START: must be a UTC time of day HH:MM, got "25:00"/);
      assert.match(err.message, /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
      assert.match(err.message, /CLICKHOUSE_URL: must be an http\(s\) URL/);
      assert.match(err.message, /KAFKA_BROKERS: is required/);
      return true;
    },
  );
  assert.throws(
    () => loadAggregationConfig({ KAFKA_BROKERS: 'k:9092', AGGREGATION_BAR_TYPES: '1m,60s' }),
    /bar type 1m is listed twice/,
  );
});
