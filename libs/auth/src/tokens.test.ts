import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import {
  AccessTokenIssuer,
  generateSigningKey,
  LocalTokenVerifier,
  OidcTokenVerifier,
  readSigningKeyDirectory,
  SigningKeyRing,
  type TokenGrant,
} from './index';
import { manualClock, ringFor, SETTINGS } from './testing/fixtures';

const CLIENT: TokenGrant = {
  kind: 'client',
  subject: 'fx-algo',
  role: 'trader',
  desk: 'FX',
  scopes: ['instruments:read', 'orders:submit'],
  amr: [],
};

function setup() {
  const time = manualClock();
  const ring = ringFor(SETTINGS, time.clock());
  return {
    time,
    ring,
    issuer: new AccessTokenIssuer(ring, SETTINGS, time.clock),
    verifier: new LocalTokenVerifier(ring, SETTINGS, time.clock),
  };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A token signed with the ring's own active key but with claims of the test's choosing. */
async function signedWith(ring: SigningKeyRing, claims: JWTPayload, header: Record<string, unknown> = {}) {
  const key = ring.active();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

describe('access tokens of the built-in issuer', () => {
  test('carry the registered claims, role, desk, client id and scope, signed ES256 with the active kid', async () => {
    const { ring, issuer, verifier, time } = setup();
    const issued = await issuer.issue(CLIENT);
    const header = decodeProtectedHeader(issued.token);
    assert.deepEqual(header, { alg: 'ES256', kid: ring.active().kid, typ: 'at+jwt' });
    const claims = decodeJwt(issued.token);
    const now = time.clock() / 1000;
    assert.equal(claims.iss, SETTINGS.issuer);
    assert.equal(claims.aud, SETTINGS.audience);
    assert.equal(claims.sub, 'fx-algo');
    assert.equal(claims.client_id, 'fx-algo');
    assert.equal(claims.iat, now);
    assert.equal(claims.nbf, now);
    assert.equal(claims.exp, now + 900);
    assert.equal(claims.jti, issued.tokenId);
    assert.equal(claims.scope, 'instruments:read orders:submit');
    assert.equal(claims.amr, undefined);
    const principal = await verifier.verify(issued.token);
    assert.deepEqual(principal, {
      subject: 'fx-algo',
      kind: 'client',
      role: 'trader',
      desk: 'FX',
      scopes: ['instruments:read', 'orders:submit'],
      clientId: 'fx-algo',
      amr: [],
      tokenId: issued.tokenId,
      expiresAt: now + 900,
    });
  });

  test("a user's token carries user_id, amr pwd+otp and its sign-in id", async () => {
    const { issuer, verifier } = setup();
    const issued = await issuer.issue({
      kind: 'user',
      subject: 'alice',
      role: 'desk_head',
      desk: 'RATES',
      scopes: ['orders:read'],
      amr: ['pwd', 'otp'],
      sessionId: 'session-1',
    });
    const p = await verifier.verify(issued.token);
    assert.equal(p.kind, 'user');
    assert.equal(p.userId, 'alice');
    assert.equal(p.clientId, undefined);
    assert.deepEqual(p.amr, ['pwd', 'otp']);
    assert.equal(p.sessionId, 'session-1');
  });

  test('are refused once expired, beyond the clock tolerance only', async () => {
    const { issuer, verifier, time } = setup();
    const { token } = await issuer.issue(CLIENT);
    // jose treats exp as the first instant the token is no longer valid (exp <= now - tolerance).
    time.advanceSeconds(900 + 29);
    assert.equal((await verifier.verify(token)).subject, 'fx-algo');
    time.advanceSeconds(1);
    await assert.rejects(verifier.verify(token), { code: 'TOKEN_EXPIRED' });
  });

  test('are refused before nbf', async () => {
    const { ring, verifier, time } = setup();
    const now = time.clock() / 1000;
    const token = await signedWith(ring, {
      ...baseClaims(now),
      nbf: now + 600,
    });
    await assert.rejects(verifier.verify(token), { code: 'TOKEN_NOT_YET_VALID' });
  });

  test('are refused without exp, even when correctly signed', async () => {
    const { ring, verifier, time } = setup();
    const claims = baseClaims(time.clock() / 1000);
    delete claims.exp;
    await assert.rejects(verifier.verify(await signedWith(ring, claims)), {
      code: 'TOKEN_INVALID',
      message: /"exp"/,
    });
  });

  test('are refused with another issuer or another audience', async () => {
    const { ring, verifier, time } = setup();
    const now = time.clock() / 1000;
    await assert.rejects(
      verifier.verify(await signedWith(ring, { ...baseClaims(now), iss: 'https://evil.example' })),
      {
        code: 'TOKEN_INVALID',
        message: /"iss"/,
      },
    );
    await assert.rejects(
      verifier.verify(await signedWith(ring, { ...baseClaims(now), aud: 'urn:other-api' })),
      {
        code: 'TOKEN_INVALID',
        message: /"aud"/,
      },
    );
  });

  test('are refused with alg "none"', async () => {
    const { ring, verifier, time } = setup();
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: ring.active().kid })}.${b64(baseClaims(time.clock() / 1000))}.`;
    await assert.rejects(verifier.verify(token), { code: 'TOKEN_INVALID', message: /algorithm/ });
  });

  test('are refused when HS256-signed with the public key as the HMAC secret', async () => {
    const { ring, verifier, time } = setup();
    const active = ring.active();
    const claims = baseClaims(time.clock() / 1000);
    const secrets = [
      active.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      JSON.stringify(active.jwk),
      active.publicKey.export({ type: 'spki', format: 'der' }) as Buffer,
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: active.kid, typ: 'at+jwt' })
        .sign(typeof secret === 'string' ? Buffer.from(secret) : secret);
      await assert.rejects(verifier.verify(token), { code: 'TOKEN_INVALID', message: /algorithm/ });
    }
  });

  test('are refused when signed by another key, under our kid or under its own', async () => {
    const { ring, verifier, time } = setup();
    const intruder = generateSigningKey(time.clock());
    const claims = baseClaims(time.clock() / 1000);
    for (const kid of [ring.active().kid, intruder.kid]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .sign(intruder.privateKey!);
      await assert.rejects(verifier.verify(token), { code: 'TOKEN_INVALID' });
    }
  });

  test('are refused when a claim was altered after signing', async () => {
    const { issuer, verifier } = setup();
    const [h, p, s] = (await issuer.issue(CLIENT)).token.split('.');
    const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' };
    await assert.rejects(verifier.verify(`${h}.${b64(payload)}.${s}`), {
      code: 'TOKEN_INVALID',
      message: /signature/,
    });
  });

  test('are refused without kid, with another typ, or with a role we do not know', async () => {
    const { ring, verifier, time } = setup();
    const claims = baseClaims(time.clock() / 1000);
    await assert.rejects(verifier.verify(await signedWith(ring, claims, { kid: undefined })), {
      message: /kid/,
    });
    await assert.rejects(verifier.verify(await signedWith(ring, claims, { typ: 'JWT' })), {
      code: 'TOKEN_INVALID',
    });
    await assert.rejects(verifier.verify(await signedWith(ring, { ...claims, role: 'superuser' })), {
      code: 'TOKEN_INVALID',
      message: /role/,
    });
    await assert.rejects(verifier.verify('not.a.jwt'), { code: 'TOKEN_MALFORMED' });
  });
});

describe('signing key rotation', () => {
  test('tokens signed before a rotation verify after it; both keys are published until the old one retires', async () => {
    const { ring, issuer, verifier, time } = setup();
    const before = await issuer.issue(CLIENT);
    const oldKid = ring.active().kid;
    time.advanceSeconds(60);
    const fresh = ring.rotate(time.clock());
    assert.notEqual(fresh.kid, oldKid);
    const after = await issuer.issue(CLIENT);
    assert.equal(decodeProtectedHeader(after.token).kid, fresh.kid);
    assert.equal((await verifier.verify(before.token)).tokenId, before.tokenId);
    assert.deepEqual(
      ring.jwks(time.clock()).keys.map((k) => k.kid),
      [oldKid, fresh.kid],
    );
    for (const k of ring.jwks(time.clock()).keys) {
      assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
    // Retained for the token lifetime plus tolerance after the rotation, then dropped.
    time.advanceSeconds(900 + 30);
    assert.equal(ring.jwks(time.clock()).keys.length, 2);
    time.advanceSeconds(1);
    assert.deepEqual(
      ring.jwks(time.clock()).keys.map((k) => k.kid),
      [fresh.kid],
    );
    assert.equal(ring.verificationKey(oldKid, time.clock()), undefined);
  });

  test('a key directory signs with the private key whose kid sorts last and publishes public-only keys', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tapeline-keys-'));
    try {
      const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const a = pem();
      const b = pem();
      const c = pem();
      writeFileSync(path.join(dir, '2026-04-01.pem'), a.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(path.join(dir, '2026-05-01.pem'), b.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(
        path.join(dir, '2026-03-01.pub.pem'),
        c.publicKey.export({ type: 'spki', format: 'pem' }),
      );
      const read = readSigningKeyDirectory(dir);
      assert.deepEqual(read.problems, []);
      const ring = new SigningKeyRing(60_000);
      ring.sync(read.keys, 1_000_000);
      assert.equal(ring.active().kid, '2026-05-01');
      assert.deepEqual(
        ring
          .jwks(1_000_000)
          .keys.map((k) => k.kid)
          .sort(),
        ['2026-03-01', '2026-04-01', '2026-05-01'],
      );
      // The next reload no longer has 2026-03-01: it stays published for the retention time only.
      rmSync(path.join(dir, '2026-03-01.pub.pem'));
      ring.sync(readSigningKeyDirectory(dir).keys, 1_000_000);
      assert.equal(ring.jwks(1_060_000).keys.length, 3);
      assert.deepEqual(
        ring
          .jwks(1_060_001)
          .keys.map((k) => k.kid)
          .sort(),
        ['2026-04-01', '2026-05-01'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key directory with a non-P-256 key or no private key is reported with every problem', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tapeline-keys-'));
    try {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(path.join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(path.join(dir, 'junk.pem'), 'not a key');
      const { problems } = readSigningKeyDirectory(dir);
      assert.equal(problems.length, 3, problems.join('\n'));
      assert.match(problems[0]!, /junk\.pem: key junk cannot be read/);
      assert.match(problems[1]!, /rsa\.pem: key rsa is not an EC P-256 key/);
      assert.match(problems[2]!, /holds no private key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tokens of an external OpenID Connect issuer', () => {
  test('verify against the remote JWKS with configured claim names, and refuse another issuer', async () => {
    const time = manualClock();
    const external = generateSigningKey(time.clock());
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [external.jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const verifier = new OidcTokenVerifier(
        {
          issuer: 'https://idp.example/realms/tapeline',
          jwksUrl: `http://127.0.0.1:${port}/certs`,
          audience: 'tapeline-api',
          algorithms: ['ES256'],
          roleClaim: 'realm_access.roles',
          deskClaim: 'https://tapeline.example/desk',
          clockToleranceSeconds: 0,
        },
        time.clock,
      );
      const now = time.clock() / 1000;
      const sign = (claims: JWTPayload) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: external.kid })
          .sign(external.privateKey!);
      const claims = {
        iss: 'https://idp.example/realms/tapeline',
        aud: 'tapeline-api',
        sub: 'f3c1-uuid',
        exp: now + 300,
        realm_access: { roles: ['offline_access', 'risk_officer'] },
        'https://tapeline.example/desk': 'RISK',
      };
      const p = await verifier.verify(await sign(claims));
      assert.equal(p.role, 'risk_officer');
      assert.equal(p.desk, 'RISK');
      assert.equal(p.subject, 'f3c1-uuid');
      assert.ok(p.scopes.includes('limits:set'));
      await assert.rejects(verifier.verify(await sign({ ...claims, iss: 'https://other.example' })), {
        code: 'TOKEN_INVALID',
      });
      await assert.rejects(
        verifier.verify(await sign({ ...claims, realm_access: { roles: ['trader', 'admin'] } })),
        { message: /exactly one known role/ },
      );
    } finally {
      server.close();
    }
  });
});

function baseClaims(now: number): JWTPayload {
  return {
    iss: SETTINGS.issuer,
    aud: SETTINGS.audience,
    sub: 'fx-algo',
    client_id: 'fx-algo',
    role: 'trader',
    desk: 'FX',
    scope: 'instruments:read',
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: 'b2f6a0c4-0000-4000-8000-000000000001',
  };
}
