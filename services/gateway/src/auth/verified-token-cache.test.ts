import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenError, type AccessTokenVerifier, type Principal } from '@tapeline/auth';
import { VerifiedTokenCache } from './verified-token-cache';

function countingVerifier(expiresAt: number): AccessTokenVerifier & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    verify(token: string): Promise<Principal> {
      calls.push(token);
      if (token.startsWith('bad')) return Promise.reject(new TokenError('TOKEN_INVALID', 'bad signature'));
      return Promise.resolve({ subject: token, expiresAt } as Principal);
    },
  };
}

test('a token is verified once and then served from the cache until it expires', async () => {
  let now = 1_000_000;
  const inner = countingVerifier(1_060); // exp in seconds: 60 s after now
  const cache = new VerifiedTokenCache(inner, 10, () => now);
  assert.equal((await cache.verify('t1')).subject, 't1');
  assert.equal((await cache.verify('t1')).subject, 't1');
  assert.deepEqual(inner.calls, ['t1']);
  now = 1_060_000; // expired: verified again (and the verifier decides)
  await cache.verify('t1');
  assert.deepEqual(inner.calls, ['t1', 't1']);
});

test('a token that fails verification is never cached', async () => {
  const inner = countingVerifier(2_000);
  const cache = new VerifiedTokenCache(inner, 10, () => 0);
  await assert.rejects(cache.verify('bad1'), TokenError);
  await assert.rejects(cache.verify('bad1'), TokenError);
  assert.deepEqual(inner.calls, ['bad1', 'bad1']);
});

test('the cache holds at most its bound, forgetting the oldest first', async () => {
  const inner = countingVerifier(2_000);
  const cache = new VerifiedTokenCache(inner, 2, () => 0);
  for (const t of ['a', 'b', 'c', 'b', 'a']) await cache.verify(t);
  assert.deepEqual(inner.calls, ['a', 'b', 'c', 'a']);
});
