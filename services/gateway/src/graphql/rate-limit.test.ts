import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@tapeline/telemetry';
import { InProcessRateLimiter, RedisRateLimiter, type RateLimiter } from './rate-limit';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

async function takeMany(limiter: RateLimiter, key: string, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await limiter.take(key)).allowed);
  return out;
}

test('in process: a burst, then the refill rate, per client', async () => {
  let now = 1_000_000;
  const limiter = new InProcessRateLimiter({ perSecond: 2, burst: 3 }, () => now);
  assert.deepEqual(await takeMany(limiter, 'a', 4), [true, true, true, false]);
  assert.deepEqual(await takeMany(limiter, 'b', 1), [true], 'another client has its own bucket');
  // Empty bucket at 2 tokens/s: the next token is 500 ms away.
  assert.deepEqual(await limiter.take('a'), { allowed: false, retryAfterMs: 500 });
  now += 500;
  assert.deepEqual(await takeMany(limiter, 'a', 2), [true, false]);
  now += 10_000; // refills to the burst, not beyond
  assert.deepEqual(await takeMany(limiter, 'a', 4), [true, true, true, false]);
  await limiter.close();
});

test('in Redis: replicas share one bucket per client', async () => {
  const prefix = `test:gateway:rate:${process.pid}:${Date.now()}:`;
  const logger = createLogger('gateway', 'fatal');
  const one = RedisRateLimiter.connect(REDIS_URL, { perSecond: 1, burst: 3 }, prefix, logger);
  const two = RedisRateLimiter.connect(REDIS_URL, { perSecond: 1, burst: 3 }, prefix, logger);
  try {
    await Promise.all([one.whenReady(), two.whenReady()]);
    assert.deepEqual(await takeMany(one, 'c', 2), [true, true]);
    assert.deepEqual(await takeMany(two, 'c', 2), [true, false]);
    const refused = await one.take('c');
    assert.equal(refused.allowed, false);
    assert.ok(
      !refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 1000,
      JSON.stringify(refused),
    );
  } finally {
    await one.close();
    await two.close();
  }
});

test('in Redis: an unreachable Redis lets requests through instead of failing the API', async () => {
  const logger = createLogger('gateway', 'fatal');
  const limiter = RedisRateLimiter.connect('redis://127.0.0.1:9', { perSecond: 1, burst: 1 }, 'x:', logger);
  try {
    assert.deepEqual(await takeMany(limiter, 'd', 3), [true, true, true]);
  } finally {
    await limiter.close();
  }
});
