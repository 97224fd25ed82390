import test from 'node:test';
import assert from 'node:assert/strict';
import { FixSessionError } from './errors';
import { ReconnectBackoff } from './reconnect-backoff';

test('doubles the delay per attempt up to the ceiling when jitter draws nothing', () => {
  const backoff = new ReconnectBackoff({ baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 0);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoff.delayMs(n)),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test('takes the jittered share off the delay', () => {
  // attempt 3: ceiling 400; jitter 0.5 * random 0.5 removes a quarter -> 300
  assert.equal(new ReconnectBackoff({ baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 0.5).delayMs(3), 300);
  // full jitter with random just below 1 gets close to zero but never negative
  assert.equal(new ReconnectBackoff({ baseMs: 100, maxMs: 1000, jitter: 1 }, () => 0.999).delayMs(1), 0);
});

test('rejects a ceiling below the base and jitter outside 0..1', () => {
  const config = (err: unknown) => err instanceof FixSessionError && err.code === 'CONFIG';
  assert.throws(() => new ReconnectBackoff({ baseMs: 500, maxMs: 100 }), config);
  assert.throws(() => new ReconnectBackoff({ jitter: 1.5 }), config);
  assert.throws(() => new ReconnectBackoff({ baseMs: 0 }), config);
});

test('names the problem of backoff options without throwing, and none for the defaults', () => {
  assert.equal(ReconnectBackoff.problem(), null);
  assert.equal(ReconnectBackoff.problem({ maxMs: 400 }), 'backoff maxMs (400) must be >= baseMs (500)');
  assert.equal(ReconnectBackoff.problem({ jitter: -0.1 }), 'backoff jitter must be within 0..1, got -0.1');
});
