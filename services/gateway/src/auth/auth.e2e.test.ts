import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { TOTP } from 'otpauth';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  freePort,
  graphql,
  grpcClient,
  startService,
  waitFor,
  type GraphqlResponse,
  type RunningProcess,
} from '@tapeline/test-kit';
import { DEV_CLIENTS_FILE } from './auth.config';

interface DevClients {
  clients: { client_id: string; client_secret: string; role: string; desk: string }[];
  users: { username: string; password: string; totp_secret?: string; role: string }[];
}
const DEV = parse(readFileSync(DEV_CLIENTS_FILE, 'utf8')) as DevClients;
const client = (role: string) => DEV.clients.find((c) => c.role === role)!;
const INSTRUMENT = '{ instrument(id: "EURUSD.EBSM") { id tickSize } }';

async function startSymbol() {
  const grpcPort = await freePort();
  const proc = startService('symbol', {
    GRPC_PORT: String(grpcPort),
    METRICS_PORT: String(await freePort()),
  });
  const health = grpcClient('health', `127.0.0.1:${grpcPort}`);
  await waitFor(
    'symbol SERVING',
    async () => (await health.call<{ status: number }>('check', { service: '' })).status === 1,
  );
  health.close();
  return { proc, addr: `127.0.0.1:${grpcPort}` };
}

async function startGateway(symbolAddr: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const proc = startService('gateway', {
    GATEWAY_PORT: String(port),
    GRPC_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    SYMBOL_GRPC_ADDR: symbolAddr,
    // No broker in these tests: the live feed retries in the background, queries do not need it.
    KAFKA_BROKERS: '127.0.0.1:9',
    ...extra,
  });
  await proc.waitForLine(/"msg":"listening"/);
  const base = `http://127.0.0.1:${port}`;
  return { proc, base, graphqlUrl: `${base}/graphql` };
}

async function stop(proc: RunningProcess | undefined) {
  proc?.kill('SIGTERM');
  await proc?.exited;
}

/** POST a form to the gateway and read the JSON answer with status and headers. */
async function form(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function clientToken(base: string, role: string, scope?: string): Promise<string> {
  const c = client(role);
  const res = await form(`${base}/oauth/token`, {
    grant_type: 'client_credentials',
    client_id: c.client_id,
    client_secret: c.client_secret,
    ...(scope ? { scope } : {}),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token as string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (r: GraphqlResponse) => r.body.errors?.[0]?.extensions?.code;

/** A TOTP code of a dev user for a step no earlier test used (codes are accepted once). */
function otpOf(username: string, stepOffset = 0): string {
  const secret = DEV.users.find((u) => u.username === username)!.totp_secret!;
  return new TOTP({ secret, period: 30, digits: 6 }).generate({
    timestamp: Date.now() + stepOffset * 30_000,
  });
}

describe('gateway identity and access (dev mode, in-process token state)', () => {
  let symbol: Awaited<ReturnType<typeof startSymbol>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    symbol = await startSymbol();
    gw = await startGateway(symbol.addr);
  });
  after(async () => {
    await stop(gw?.proc);
    await stop(symbol?.proc);
  });

  test('POST /oauth/token issues a bearer token for each development client, which reads instruments', async () => {
    for (const c of DEV.clients) {
      const res = await form(`${gw.base}/oauth/token`, {
        grant_type: 'client_credentials',
        client_id: c.client_id,
        client_secret: c.client_secret,
      });
      assert.equal(res.status, 200, c.client_id);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(res.body.token_type, 'Bearer');
      assert.equal(res.body.expires_in, 900);
      const read = await graphql(
        gw.graphqlUrl,
        INSTRUMENT,
        undefined,
        bearer(res.body.access_token as string),
      );
      assert.deepEqual(
        read.body,
        { data: { instrument: { id: 'EURUSD.EBSM', tickSize: '0.00001' } } },
        c.role,
      );
    }
  });

  test('tokens verify against GET /.well-known/jwks.json with the pinned algorithm, issuer and audience', async () => {
    const token = await clientToken(gw.base, 'trader');
    const res = await fetch(`${gw.base}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    const jwks = (await res.json()) as { keys: { kid: string; alg: string; use: string; d?: string }[] };
    assert.equal(jwks.keys.length, 1);
    assert.deepEqual([jwks.keys[0]!.alg, jwks.keys[0]!.use, jwks.keys[0]!.d], ['ES256', 'sig', undefined]);
    assert.equal(decodeProtectedHeader(token).kid, jwks.keys[0]!.kid);
    const { payload } = await jwtVerify(
      token,
      createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]),
      {
        algorithms: ['ES256'],
        issuer: 'urn:tapeline:gateway',
        audience: 'urn:tapeline:api',
      },
    );
    assert.deepEqual([payload.sub, payload.role, payload.desk], ['dev-trader', 'trader', 'FX']);
  });

  test('the instruments query without a token, or with a bad one, is UNAUTHENTICATED', async () => {
    const none = await graphql(gw.graphqlUrl, '{ instruments(first: 5) { totalCount } }');
    assert.equal(codeOf(none), 'UNAUTHENTICATED');
    assert.equal(none.body.data, null);
    const token = await clientToken(gw.base, 'auditor');
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    for (const header of [`Bearer ${forged}`, 'Bearer not-a-jwt', `Basic ${token}`]) {
      const res = await graphql(gw.graphqlUrl, INSTRUMENT, undefined, { authorization: header });
      assert.equal(codeOf(res), 'UNAUTHENTICATED', header.slice(0, 20));
      assert.doesNotMatch(JSON.stringify(res.body), /\s+at \S+ \(|stack/);
    }
  });

  test('a token without instruments:read is FORBIDDEN on the instruments query', async () => {
    const token = await clientToken(gw.base, 'risk_officer', 'marketdata:read limits:set');
    const res = await graphql(
      gw.graphqlUrl,
      '{ instruments(first: 5) { totalCount } }',
      undefined,
      bearer(token),
    );
    assert.equal(codeOf(res), 'FORBIDDEN');
    assert.match(res.body.errors![0]!.message, /instruments:read/);
  });

  test('token endpoint errors are RFC 6749 §5.2 JSON with the right status and no internals', async () => {
    const trader = client('trader');
    const cases: [Record<string, string>, Record<string, string>, number, string][] = [
      [
        { grant_type: 'client_credentials', client_id: trader.client_id, client_secret: 'wrong' },
        {},
        401,
        'invalid_client',
      ],
      [
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${Buffer.from(`${trader.client_id}:nope`).toString('base64')}` },
        401,
        'invalid_client',
      ],
      [{ grant_type: 'authorization_code', code: 'x' }, {}, 400, 'unsupported_grant_type'],
      [{ client_id: trader.client_id }, {}, 400, 'invalid_request'],
      [{ grant_type: 'password', username: 'alice', password: 'wrong-password' }, {}, 400, 'invalid_grant'],
      [{ grant_type: 'refresh_token', refresh_token: 'rt_unknown' }, {}, 400, 'invalid_grant'],
    ];
    for (const [fields, headers, status, error] of cases) {
      const res = await form(`${gw.base}/oauth/token`, fields, headers);
      assert.equal(res.status, status, JSON.stringify(fields));
      assert.equal(res.body.error, error);
      assert.deepEqual(Object.keys(res.body).sort(), ['error', 'error_description']);
    }
    const basic = await form(
      `${gw.base}/oauth/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: `Basic ${Buffer.from(`${trader.client_id}:nope`).toString('base64')}`,
      },
    );
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic /);
    const json = await fetch(`${gw.base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
  });

  test('a trader signs in with password and TOTP, refreshes with rotation, and revocation ends the sign-in', async () => {
    const alice = DEV.users.find((u) => u.username === 'alice')!;
    const missingOtp = await form(`${gw.base}/oauth/token`, {
      grant_type: 'password',
      username: 'alice',
      password: alice.password,
    });
    assert.equal(missingOtp.body.error, 'invalid_grant');
    const signIn = await form(`${gw.base}/oauth/token`, {
      grant_type: 'password',
      username: 'alice',
      password: alice.password,
      otp: otpOf('alice'),
    });
    assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
    const refreshed = await form(`${gw.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: signIn.body.refresh_token as string,
    });
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.refresh_token, signIn.body.refresh_token);
    const newAccess = refreshed.body.access_token as string;
    assert.deepEqual(
      (await graphql(gw.graphqlUrl, INSTRUMENT, undefined, bearer(newAccess))).body.errors,
      undefined,
    );

    const revoke = await form(`${gw.base}/oauth/revoke`, { token: refreshed.body.refresh_token as string });
    assert.equal(revoke.status, 200);
    const after = await graphql(gw.graphqlUrl, INSTRUMENT, undefined, bearer(newAccess));
    assert.equal(codeOf(after), 'UNAUTHENTICATED');
    assert.match(after.body.errors![0]!.message, /revoked/);
  });
});

describe('gateway identity and access with token state in Redis', async () => {
  const redisUp = await fetchRedisUp();
  let symbol: Awaited<ReturnType<typeof startSymbol>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    if (!redisUp) return;
    symbol = await startSymbol();
    gw = await startGateway(symbol.addr, {
      REDIS_URL: 'redis://127.0.0.1:6379',
      GATEWAY_REDIS_PREFIX: `tapeline:test:gateway:${randomUUID()}:`,
    });
  });
  after(async () => {
    await stop(gw?.proc);
    await stop(symbol?.proc);
  });

  test(
    'replaying a rotated refresh token revokes the sign-in',
    { skip: redisUp ? false : 'no Redis on 127.0.0.1:6379' },
    async () => {
      const dana = DEV.users.find((u) => u.username === 'dana')!;
      const signIn = await form(`${gw.base}/oauth/token`, {
        grant_type: 'password',
        username: 'dana',
        password: dana.password,
        otp: otpOf('dana'),
      });
      assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
      const first = signIn.body.refresh_token as string;
      const second = await form(`${gw.base}/oauth/token`, {
        grant_type: 'refresh_token',
        refresh_token: first,
      });
      assert.equal(second.status, 200);
      const replay = await form(`${gw.base}/oauth/token`, {
        grant_type: 'refresh_token',
        refresh_token: first,
      });
      assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_grant']);
      const newest = await form(`${gw.base}/oauth/token`, {
        grant_type: 'refresh_token',
        refresh_token: second.body.refresh_token as string,
      });
      assert.equal(newest.body.error, 'invalid_grant');
      const res = await graphql(
        gw.graphqlUrl,
        INSTRUMENT,
        undefined,
        bearer(second.body.access_token as string),
      );
      assert.equal(codeOf(res), 'UNAUTHENTICATED');
    },
  );
});

test('the gateway refuses to boot in production mode with the development clients, listing every problem', async () => {
  const proc = startService('gateway', {
    GATEWAY_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    GATEWAY_AUTH_MODE: 'production',
    GATEWAY_CLIENTS_FILE: DEV_CLIENTS_FILE,
  });
  const { code } = await proc.exited;
  assert.equal(code, 1);
  assert.match(
    proc.output,
    /GATEWAY_CLIENTS_FILE: points at the development clients; production refuses them/,
  );
  assert.match(proc.output, /GATEWAY_SIGNING_KEYS_DIR: is required in production/);
  assert.match(proc.output, /REDIS_URL: is required in production/);
});

async function fetchRedisUp(): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: 6379 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
