import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tapeline/config';
import { baseServiceSpec } from './base-config';
import { loadConfigWithBus } from './bus-module';

const spec = baseServiceSpec({ grpcPort: 50052, metricsPort: 9402 });

test('bus variables are validated with the service variables and reported together', () => {
  assert.throws(
    () =>
      loadConfigWithBus('market-data', spec, {
        GRPC_PORT: '70000',
        KAFKA_BROKERS: 'nohost',
        KAFKA_SSL: 'maybe',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /GRPC_PORT/);
      assert.match(err.message, /KAFKA_BROKERS: entry "nohost" is not host:port/);
      assert.match(err.message, /KAFKA_SSL/);
      return true;
    },
  );
});

test('a valid environment yields the service config and the bus config, client id per service', () => {
  const config = loadConfigWithBus('market-data', spec, { KAFKA_BROKERS: '127.0.0.1:9092, kafka-1:9093' });
  assert.equal(config.grpcPort, 50052);
  assert.deepEqual(config.bus.brokers, ['127.0.0.1:9092', 'kafka-1:9093']);
  assert.equal(config.bus.clientId, 'tapeline-market-data');
});

test('KAFKA_BROKERS is required', () => {
  assert.throws(() => loadConfigWithBus('oms', spec, {}), /KAFKA_BROKERS: is required/);
});
