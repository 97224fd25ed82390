import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@tapeline/config';
import { hashSecret } from '@tapeline/auth';
import { loadGatewayConfig as loadWithBus } from '../config';
import { DEV_CLIENTS_FILE } from './auth.config';

// The gateway's config also requires the bus variables; these tests are about the auth ones.
const loadGatewayConfig = (env: Record<string, string>) =>
  loadWithBus({ KAFKA_BROKERS: '127.0.0.1:9092', ...env });

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.variable}: ${p.problem}`);
    throw err;
  }
  assert.fail('expected a ConfigError');
}

test('local runs default to dev mode with the development clients and generated keys', () => {
  const { auth } = loadGatewayConfig({});
  assert.equal(auth.mode, 'dev');
  assert.equal(auth.issuer.kind, 'builtin');
  assert.equal(auth.issuer.kind === 'builtin' && auth.issuer.identities.source, DEV_CLIENTS_FILE);
  assert.equal(auth.issuer.kind === 'builtin' && auth.issuer.keyDirectory, undefined);
  assert.deepEqual(auth.token, {
    issuer: 'urn:tapeline:gateway',
    audience: 'urn:tapeline:api',
    accessTokenTtlSeconds: 900,
    clockToleranceSeconds: 30,
  });
  assert.equal(auth.redis, undefined);
});

test('production without its mounted files lists every missing piece at once', () => {
  assert.deepEqual(problemsOf({ GATEWAY_AUTH_MODE: 'production', GATEWAY_ACCESS_TOKEN_TTL_S: '5' }), [
    'GATEWAY_ACCESS_TOKEN_TTL_S: must be between 60 and 86400, got 5',
    'GATEWAY_CLIENTS_FILE: is required in production (a mounted clients file with hashed secrets)',
    'GATEWAY_SIGNING_KEYS_DIR: is required in production (a mounted directory of <kid>.pem P-256 keys)',
    'REDIS_URL: is required in production: replicas share refresh-token and revocation state through it',
  ]);
});

test('production refuses a copy of the development clients: dev_only and plain secrets', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tapeline-gw-'));
  try {
    const copy = path.join(dir, 'clients.yaml');
    writeFileSync(
      copy,
      `dev_only: true\nclients:\n  - { client_id: a-client, client_secret: plain-secret-0123456789, role: auditor, desk: AUDIT }\n`,
    );
    const problems = problemsOf({
      GATEWAY_AUTH_MODE: 'production',
      GATEWAY_CLIENTS_FILE: copy,
      GATEWAY_SIGNING_KEYS_DIR: dir,
      REDIS_URL: 'redis://redis:6379',
    });
    assert.deepEqual(problems, [
      `GATEWAY_CLIENTS_FILE: ${copy} is marked dev_only: development identities are refused in production`,
      'GATEWAY_CLIENTS_FILE: client a-client: plain client_secret; production needs client_secret_hash',
      `GATEWAY_SIGNING_KEYS_DIR: ${dir} holds no private key (<kid>.pem) to sign with`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('production boots from hashed secrets, a key directory and Redis', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tapeline-gw-'));
  try {
    const file = path.join(dir, 'clients.yaml');
    const hash = await hashSecret('svc-secret-0123456789', { ln: 10, r: 8, p: 1 });
    writeFileSync(
      file,
      `clients:\n  - { client_id: risk-engine, client_secret_hash: "${hash}", role: risk_officer, desk: RISK }\n`,
    );
    const keys = path.join(dir, 'keys');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(keys);
    writeFileSync(path.join(keys, '2026-05-01.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const { auth } = loadGatewayConfig({
      GATEWAY_AUTH_MODE: 'production',
      GATEWAY_CLIENTS_FILE: file,
      GATEWAY_SIGNING_KEYS_DIR: keys,
      REDIS_URL: 'rediss://redis.internal:6380',
    });
    assert.equal(auth.mode, 'production');
    assert.equal(auth.issuer.kind === 'builtin' && auth.issuer.keyDirectory?.keys[0]?.kid, '2026-05-01');
    assert.deepEqual(auth.redis, { url: 'rediss://redis.internal:6380', prefix: 'tapeline:gateway:auth:' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an external OpenID Connect issuer needs both URLs over https and asymmetric algorithms only', () => {
  assert.deepEqual(
    problemsOf({
      GATEWAY_OIDC_ISSUER: 'http://idp.example/realms/t',
      GATEWAY_OIDC_ALGORITHMS: 'ES256,HS256,none',
    }),
    [
      'GATEWAY_OIDC_ISSUER: must be an https URL, got "http://idp.example/realms/t"',
      'GATEWAY_OIDC_JWKS_URL: is required when an external OpenID Connect issuer is configured',
      'GATEWAY_OIDC_ALGORITHMS: only asymmetric ES256, ES384, RS256, PS256, EdDSA are accepted, got HS256, none',
    ],
  );
  const { auth } = loadGatewayConfig({
    GATEWAY_OIDC_ISSUER: 'https://idp.example/realms/t',
    GATEWAY_OIDC_JWKS_URL: 'https://idp.example/realms/t/protocol/openid-connect/certs',
    GATEWAY_OIDC_ROLE_CLAIM: 'realm_access.roles',
  });
  assert.equal(auth.issuer.kind, 'oidc');
  assert.equal(auth.issuer.kind === 'oidc' && auth.issuer.oidc.roleClaim, 'realm_access.roles');
  assert.equal(auth.issuer.kind === 'oidc' && auth.issuer.oidc.audience, 'urn:tapeline:api');
});
