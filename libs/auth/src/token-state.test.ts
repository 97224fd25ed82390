import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TokenStateUnavailableError,
  RedisTokenStateStore,
  type RefreshRecord,
  type TokenStateStore,
} from './index';
import { redisAvailable, storesUnderTest } from './testing/fixtures';

const NOW = 1_778_491_800;
const record = (familyId: string): RefreshRecord => ({
  familyId,
  grant: {
    kind: 'user',
    subject: 'alice',
    role: 'trader',
    desk: 'FX',
    scopes: ['orders:read'],
    amr: ['pwd', 'otp'],
  },
  expiresAt: NOW + 3600,
});

for (const under of storesUnderTest()) {
  describe(`token state: ${under.name}`, async () => {
    const skip = under.name.startsWith('Redis') && !(await redisAvailable()) ? 'no Redis reachable' : false;
    let store: TokenStateStore;
    before(async () => {
      if (!skip) store = await under.create();
    });
    after(() => under.cleanup());

    test(
      'a refresh token is fresh exactly once, then reported as reused with its record',
      { skip },
      async () => {
        await store.saveRefresh('h1', record('fam-1'), NOW);
        assert.deepEqual(await store.findRefresh('h1', NOW), record('fam-1'));
        assert.deepEqual(await store.useRefresh('h1', NOW), { status: 'fresh', record: record('fam-1') });
        assert.deepEqual(await store.useRefresh('h1', NOW + 1), {
          status: 'reused',
          record: record('fam-1'),
        });
        assert.deepEqual(await store.useRefresh('never-saved', NOW), { status: 'unknown' });
      },
    );

    test('concurrent uses of one refresh token see one fresh and the rest reused', { skip }, async () => {
      await store.saveRefresh('h-race', record('fam-race'), NOW);
      const uses = await Promise.all(Array.from({ length: 8 }, () => store.useRefresh('h-race', NOW)));
      assert.equal(uses.filter((u) => u.status === 'fresh').length, 1);
      assert.equal(uses.filter((u) => u.status === 'reused').length, 7);
    });

    test('a revoked family stays revoked; other families are untouched', { skip }, async () => {
      await store.revokeFamily('fam-2', NOW + 3600, NOW);
      assert.equal(await store.isFamilyRevoked('fam-2', NOW), true);
      assert.equal(await store.isFamilyRevoked('fam-3', NOW), false);
    });

    test("an access token counts as revoked by its jti or by its sign-in's family", { skip }, async () => {
      await store.revokeAccessToken('jti-1', NOW + 900, NOW);
      await store.revokeFamily('fam-4', NOW + 3600, NOW);
      assert.equal(await store.isAccessTokenRevoked('jti-1', undefined, NOW), true);
      assert.equal(await store.isAccessTokenRevoked('jti-2', 'fam-4', NOW), true);
      assert.equal(await store.isAccessTokenRevoked('jti-2', 'fam-5', NOW), false);
      assert.equal(await store.isAccessTokenRevoked('jti-2', undefined, NOW), false);
    });

    test('a TOTP step is accepted once per user, and never an earlier one after it', { skip }, async () => {
      assert.equal(await store.claimTotpStep('alice', 100, NOW + 60, NOW), true);
      assert.equal(await store.claimTotpStep('alice', 100, NOW + 60, NOW), false);
      assert.equal(await store.claimTotpStep('alice', 99, NOW + 60, NOW), false);
      assert.equal(await store.claimTotpStep('bob', 100, NOW + 60, NOW), true);
      assert.equal(await store.claimTotpStep('alice', 101, NOW + 60, NOW), true);
    });
  });
}

test('the in-process store forgets entries once they expire', async () => {
  const [inProcess] = storesUnderTest();
  const store = await inProcess!.create();
  await store.saveRefresh('h', record('fam'), NOW);
  await store.revokeAccessToken('jti', NOW + 10, NOW);
  assert.equal(await store.isAccessTokenRevoked('jti', undefined, NOW + 9), true);
  assert.equal(await store.isAccessTokenRevoked('jti', undefined, NOW + 10), false);
  assert.deepEqual(await store.useRefresh('h', NOW + 3600), { status: 'unknown' });
});

test('a Redis store that cannot reach Redis fails with TokenStateUnavailableError', async () => {
  // Port 1 on loopback: nothing listens there.
  const store = RedisTokenStateStore.connect('redis://127.0.0.1:1');
  try {
    await assert.rejects(store.isAccessTokenRevoked('jti', undefined, NOW), TokenStateUnavailableError);
  } finally {
    await store.close();
  }
});
