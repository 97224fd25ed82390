import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, env, loadConfig } from './env-config';

const spec = {
  grpcPort: env.port('GRPC_PORT', 50051),
  logLevel: env.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  seedFile: env.string('SEED_FILE'),
  symbolAddr: env.hostPort('SYMBOL_GRPC_ADDR', '127.0.0.1:50051'),
  fsync: env.bool('FSYNC', false),
};

test('applies defaults and parses valid values', () => {
  const cfg = loadConfig('t', spec, { SEED_FILE: '/x.yaml', GRPC_PORT: '6000', FSYNC: 'yes' });
  assert.deepEqual(cfg, {
    grpcPort: 6000,
    logLevel: 'info',
    seedFile: '/x.yaml',
    symbolAddr: '127.0.0.1:50051',
    fsync: true,
  });
});

test('lists every missing or invalid variable in one error', () => {
  const err = (() => {
    try {
      loadConfig('symbol', spec, {
        GRPC_PORT: '99999',
        LOG_LEVEL: 'loud',
        SYMBOL_GRPC_ADDR: 'nohost',
        FSYNC: 'maybe',
      });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(
    err.problems.map((p) => p.variable),
    ['GRPC_PORT', 'LOG_LEVEL', 'SEED_FILE', 'SYMBOL_GRPC_ADDR', 'FSYNC'],
  );
  assert.match(err.message, /GRPC_PORT: must be a TCP port 1-65535, got "99999"/);
  assert.match(err.message, /SEED_FILE: is required but not set/);
  assert.match(err.message, /LOG_LEVEL: must be one of debug, info, warn, error, got "loud"/);
});

test('merges problems from extra checks', () => {
  assert.throws(
    () =>
      loadConfig('t', spec, { SEED_FILE: 'a' }, () => [
        { variable: 'KAFKA_BROKERS', problem: 'is required' },
      ]),
    /KAFKA_BROKERS: is required/,
  );
});
