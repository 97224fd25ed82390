import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import {
  AccessTokenIssuer,
  AuthorizationServer,
  BearerAuthenticator,
  LocalTokenVerifier,
  OAuthError,
  parseBasicCredentials,
  permissionsOf,
  totpAt,
  base32Decode,
  type TokenStateStore,
} from './index';
import {
  manualClock,
  redisAvailable,
  ringFor,
  SETTINGS,
  storesUnderTest,
  testDirectory,
  TRADER_TOTP,
} from './testing/fixtures';

const REFRESH_TTL = 8 * 3600;

async function stack(store: TokenStateStore) {
  const time = manualClock();
  const ring = ringFor(SETTINGS, time.clock());
  const verifier = new LocalTokenVerifier(ring, SETTINGS, time.clock);
  const server = new AuthorizationServer(
    await testDirectory(),
    new AccessTokenIssuer(ring, SETTINGS, time.clock),
    verifier,
    store,
    { refreshTokenTtlSeconds: REFRESH_TTL },
    time.clock,
  );
  const authenticator = new BearerAuthenticator(verifier, store, time.clock);
  const otp = (offsetSeconds = 0) => totpAt(base32Decode(TRADER_TOTP), time.clock() / 1000 + offsetSeconds);
  return { time, server, authenticator, otp };
}

/** The OAuthError a promise rejects with, for asserting code, status and description together. */
async function oauthError(p: Promise<unknown>): Promise<OAuthError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  assert.fail('expected an OAuthError');
}

describe('token endpoint: client credentials', () => {
  let s: Awaited<ReturnType<typeof stack>>;
  before(async () => {
    s = await stack(await storesUnderTest()[0]!.create());
  });

  test('issues a bearer token for a client authenticated in the body, with every permission of its role', async () => {
    const res = await s.server.token({
      params: {
        grant_type: 'client_credentials',
        client_id: 'fx-algo',
        client_secret: 'fx-algo-secret-0123456789',
      },
    });
    assert.equal(res.token_type, 'Bearer');
    assert.equal(res.expires_in, 900);
    assert.equal(res.refresh_token, undefined);
    assert.equal(res.scope, permissionsOf('trader').join(' '));
    const auth = await s.authenticator.authenticate(`Bearer ${res.access_token}`);
    assert.ok(auth.ok);
    assert.equal(auth.principal.clientId, 'fx-algo');
    assert.equal(auth.principal.desk, 'FX');
  });

  test('accepts HTTP Basic credentials and a narrower scope', async () => {
    const basic = parseBasicCredentials(
      `Basic ${Buffer.from('md-reader:reader-secret-0123456789').toString('base64')}`,
    );
    const res = await s.server.token({
      params: { grant_type: 'client_credentials', scope: 'marketdata:read' },
      basic,
    });
    assert.equal(res.scope, 'marketdata:read');
    assert.equal(decodeJwt(res.access_token).scope, 'marketdata:read');
  });

  test('refuses a wrong secret or an unknown client with invalid_client (401)', async () => {
    for (const [id, secret] of [
      ['fx-algo', 'wrong-secret-0123456789'],
      ['nobody', 'fx-algo-secret-0123456789'],
    ]) {
      const e = await oauthError(
        s.server.token({
          params: { grant_type: 'client_credentials', client_id: id!, client_secret: secret! },
        }),
      );
      assert.deepEqual([e.code, e.status, e.basicChallenge], ['invalid_client', 401, false]);
    }
    const basic = { clientId: 'fx-algo', secret: 'nope' };
    const e = await oauthError(s.server.token({ params: { grant_type: 'client_credentials' }, basic }));
    assert.deepEqual([e.code, e.basicChallenge], ['invalid_client', true]);
    const none = await oauthError(s.server.token({ params: { grant_type: 'client_credentials' } }));
    assert.equal(none.code, 'invalid_client');
  });

  test('refuses credentials in both the body and Basic, and repeated parameters, as invalid_request', async () => {
    const both = await oauthError(
      s.server.token({
        params: {
          grant_type: 'client_credentials',
          client_id: 'fx-algo',
          client_secret: 'fx-algo-secret-0123456789',
        },
        basic: { clientId: 'fx-algo', secret: 'fx-algo-secret-0123456789' },
      }),
    );
    assert.deepEqual([both.code, both.status], ['invalid_request', 400]);
    const repeated = await oauthError(
      s.server.token({ params: { grant_type: ['client_credentials', 'password'] } }),
    );
    assert.equal(repeated.code, 'invalid_request');
    assert.match(repeated.description, /grant_type is repeated/);
  });

  test('answers a missing grant type with invalid_request and an unknown one with unsupported_grant_type', async () => {
    assert.equal((await oauthError(s.server.token({ params: {} }))).code, 'invalid_request');
    const e = await oauthError(s.server.token({ params: { grant_type: 'authorization_code' } }));
    assert.deepEqual([e.code, e.status], ['unsupported_grant_type', 400]);
    assert.deepEqual(e.toJSON(), { error: 'unsupported_grant_type', error_description: e.description });
  });

  test('refuses a scope the role does not hold with invalid_scope', async () => {
    const e = await oauthError(
      s.server.token({
        params: {
          grant_type: 'client_credentials',
          client_id: 'md-reader',
          client_secret: 'reader-secret-0123456789',
          scope: 'marketdata:read orders:submit',
        },
      }),
    );
    assert.equal(e.code, 'invalid_scope');
    assert.match(e.description, /orders:submit/);
  });
});

describe('HTTP Basic client credentials', () => {
  test('are form-decoded after base64 (RFC 6749 §2.3.1)', () => {
    const header = `Basic ${Buffer.from('desk%3Aone:s%2Bcret+with%25').toString('base64')}`;
    assert.deepEqual(parseBasicCredentials(header), { clientId: 'desk:one', secret: 's+cret with%' });
    assert.equal(parseBasicCredentials('Bearer abc'), undefined);
    assert.equal(parseBasicCredentials(undefined), undefined);
    assert.throws(() => parseBasicCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`), {
      code: 'invalid_client',
    });
  });
});

for (const under of storesUnderTest()) {
  describe(`token endpoint: password and refresh grants on the ${under.name}`, async () => {
    const skip = under.name.startsWith('Redis') && !(await redisAvailable()) ? 'no Redis reachable' : false;
    let s: Awaited<ReturnType<typeof stack>>;
    before(async () => {
      if (!skip) s = await stack(await under.create());
    });
    after(() => under.cleanup());

    const signIn = (otp?: string) =>
      s.server.token({
        params: {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-password-123',
          ...(otp !== undefined ? { otp } : {}),
        },
      });

    test(
      'a trader needs the right TOTP code; a wrong or missing one is invalid_grant',
      { skip },
      async () => {
        assert.equal((await oauthError(signIn())).code, 'invalid_grant');
        const wrong = String((Number(s.otp()) + 1) % 1_000_000).padStart(6, '0');
        assert.equal((await oauthError(signIn(wrong))).code, 'invalid_grant');
        const bad = await oauthError(
          s.server.token({
            params: { grant_type: 'password', username: 'alice', password: 'not-her-password', otp: s.otp() },
          }),
        );
        assert.equal(bad.code, 'invalid_grant');
        const res = await signIn(s.otp());
        assert.deepEqual(decodeJwt(res.access_token).amr, ['pwd', 'otp']);
        assert.equal(decodeJwt(res.access_token).user_id, 'alice');
        assert.match(res.refresh_token!, /^rt_[A-Za-z0-9_-]{43}$/);
      },
    );

    test(
      'a TOTP code is accepted once: the same code, or the previous step after it, is refused',
      { skip },
      async () => {
        s.time.advanceSeconds(90);
        await signIn(s.otp());
        const replay = await oauthError(signIn(s.otp()));
        assert.equal(replay.code, 'invalid_grant');
        assert.match(replay.description, /already used/);
        assert.equal((await oauthError(signIn(s.otp(-30)))).code, 'invalid_grant');
        s.time.advanceSeconds(30);
        await signIn(s.otp());
      },
    );

    test('an auditor signs in with a password alone', { skip }, async () => {
      const res = await s.server.token({
        params: { grant_type: 'password', username: 'zoe', password: 'zoe-password-12345' },
      });
      assert.deepEqual(decodeJwt(res.access_token).amr, ['pwd']);
    });

    test(
      'each refresh rotates the refresh token; replaying a rotated one revokes the whole sign-in',
      { skip },
      async () => {
        s.time.advanceSeconds(60);
        const first = await signIn(s.otp());
        const second = await s.server.token({
          params: { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
        });
        assert.notEqual(second.refresh_token, first.refresh_token);
        assert.equal(decodeJwt(second.access_token).sid, decodeJwt(first.access_token).sid);
        const third = await s.server.token({
          params: { grant_type: 'refresh_token', refresh_token: second.refresh_token! },
        });
        assert.ok((await s.authenticator.authenticate(`Bearer ${third.access_token}`)).ok);

        const replay = await oauthError(
          s.server.token({ params: { grant_type: 'refresh_token', refresh_token: first.refresh_token! } }),
        );
        assert.equal(replay.code, 'invalid_grant');
        assert.match(replay.description, /revoked/);
        // The newest token of the chain and the access tokens of the sign-in are dead too.
        const after = await oauthError(
          s.server.token({ params: { grant_type: 'refresh_token', refresh_token: third.refresh_token! } }),
        );
        assert.equal(after.code, 'invalid_grant');
        const auth = await s.authenticator.authenticate(`Bearer ${third.access_token}`);
        assert.equal(!auth.ok && auth.reason, 'TOKEN_REVOKED');
      },
    );

    test(
      'revoking a refresh token ends its sign-in; revoking an access token ends that token',
      { skip },
      async () => {
        s.time.advanceSeconds(60);
        const signedIn = await signIn(s.otp());
        await s.server.revoke({ params: { token: signedIn.refresh_token! } });
        const refused = await oauthError(
          s.server.token({ params: { grant_type: 'refresh_token', refresh_token: signedIn.refresh_token! } }),
        );
        assert.equal(refused.code, 'invalid_grant');
        const auth = await s.authenticator.authenticate(`Bearer ${signedIn.access_token}`);
        assert.equal(!auth.ok && auth.reason, 'TOKEN_REVOKED');

        const client = await s.server.token({
          params: {
            grant_type: 'client_credentials',
            client_id: 'fx-algo',
            client_secret: 'fx-algo-secret-0123456789',
          },
        });
        assert.ok((await s.authenticator.authenticate(`Bearer ${client.access_token}`)).ok);
        await s.server.revoke({
          params: {
            token: client.access_token,
            client_id: 'fx-algo',
            client_secret: 'fx-algo-secret-0123456789',
          },
        });
        const revoked = await s.authenticator.authenticate(`Bearer ${client.access_token}`);
        assert.equal(!revoked.ok && revoked.reason, 'TOKEN_REVOKED');
        // Unknown tokens are answered like known ones (RFC 7009 §2.2).
        await s.server.revoke({ params: { token: 'rt_never-issued' } });
      },
    );

    test("a client cannot revoke another client's access token", { skip }, async () => {
      const theirs = await s.server.token({
        params: {
          grant_type: 'client_credentials',
          client_id: 'fx-algo',
          client_secret: 'fx-algo-secret-0123456789',
        },
      });
      await s.server.revoke({
        params: {
          token: theirs.access_token,
          client_id: 'md-reader',
          client_secret: 'reader-secret-0123456789',
        },
      });
      assert.ok((await s.authenticator.authenticate(`Bearer ${theirs.access_token}`)).ok);
    });

    test('a sign-in ends after the refresh lifetime however often it was refreshed', { skip }, async () => {
      s.time.advanceSeconds(60);
      let res = await signIn(s.otp());
      for (let i = 0; i < 3; i++) {
        s.time.advanceSeconds(REFRESH_TTL / 4);
        res = await s.server.token({
          params: { grant_type: 'refresh_token', refresh_token: res.refresh_token! },
        });
      }
      s.time.advanceSeconds(REFRESH_TTL / 4);
      const e = await oauthError(
        s.server.token({ params: { grant_type: 'refresh_token', refresh_token: res.refresh_token! } }),
      );
      assert.equal(e.code, 'invalid_grant');
    });
  });
}

describe('bearer authentication', () => {
  test('refuses a missing or malformed header and reads the graphql-transport-ws connection_init payload', async () => {
    const s = await stack(await storesUnderTest()[0]!.create());
    const missing = await s.authenticator.authenticate(undefined);
    assert.deepEqual(missing.ok ? undefined : [missing.code, missing.reason], [
      'UNAUTHENTICATED',
      'TOKEN_MISSING',
    ]);
    const basic = await s.authenticator.authenticate('Basic Zm9vOmJhcg==');
    assert.equal(!basic.ok && basic.reason, 'TOKEN_MALFORMED');
    const { access_token } = await s.server.token({
      params: {
        grant_type: 'client_credentials',
        client_id: 'md-reader',
        client_secret: 'reader-secret-0123456789',
      },
    });
    const ws = await s.authenticator.authenticateConnectionInit({ authorization: `Bearer ${access_token}` });
    assert.equal(ws.ok && ws.principal.role, 'auditor');
    const lower = await s.authenticator.authenticate(`bearer ${access_token}`);
    assert.ok(lower.ok);
    for (const payload of [undefined, null, 'Bearer x', {}, { authorization: 42 }]) {
      const r = await s.authenticator.authenticateConnectionInit(payload);
      assert.equal(!r.ok && r.reason, 'TOKEN_MISSING', JSON.stringify(payload));
    }
  });
});
