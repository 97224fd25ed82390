import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hashSecret,
  IdentityDirectory,
  IdentityFileError,
  isSecretHash,
  parseIdentityFile,
  productionProblems,
  verifySecret,
} from './index';
import { IDENTITIES, TEST_COST, TRADER_TOTP } from './testing/fixtures';

function problemsOf(yaml: string): readonly string[] {
  try {
    parseIdentityFile(yaml, 'clients.yaml');
  } catch (err) {
    if (err instanceof IdentityFileError) return err.problems;
    throw err;
  }
  assert.fail('expected IdentityFileError');
}

test('secrets are stored as scrypt hashes and compared against them', async () => {
  const hash = await hashSecret('correct horse battery', TEST_COST);
  assert.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
  assert.ok(isSecretHash(hash));
  assert.equal(await verifySecret('correct horse battery', hash), true);
  assert.equal(await verifySecret('correct horse batterz', hash), false);
  assert.equal(await verifySecret('correct horse battery', hash.replace('ln=10', 'ln=11')), false);
  assert.equal(await verifySecret('x', 'plain-text'), false);
  assert.notEqual(await hashSecret('same', TEST_COST), await hashSecret('same', TEST_COST));
});

test('reads clients and users with their role, desk and secrets', () => {
  const file = parseIdentityFile(IDENTITIES, 'test');
  assert.equal(file.devOnly, true);
  assert.deepEqual(file.clients[1], {
    clientId: 'fx-algo',
    secret: 'fx-algo-secret-0123456789',
    role: 'trader',
    desk: 'FX',
  });
  assert.deepEqual(file.users[0], {
    username: 'alice',
    password: 'alice-password-123',
    totpSecret: TRADER_TOTP,
    role: 'trader',
    desk: 'FX',
  });
});

test('lists every problem of a file at once', () => {
  const problems = problemsOf(`
clients:
  - { client_id: Bad Id, client_secret: short, role: trader, desk: FX }
  - { client_id: ok-client, client_secret: long-enough-secret-1, role: chief, desk: fx }
  - { client_id: dup, client_secret: long-enough-secret-1, client_secret_hash: x, role: auditor, desk: A }
users:
  - { username: dup, password: long-enough-pw, role: auditor, desk: A }
  - { username: bob, password: long-enough-pw, role: trader, desk: FX }
  - { username: carol, password: long-enough-pw, role: admin, desk: OPS, totp_secret: "AB1" }
  - { username: dan, password: long-enough-pw, role: auditor, desk: A, colour: blue }
extra: 1
`);
  assert.deepEqual(problems, [
    'unknown top-level key "extra"',
    'clients[0] (Bad Id): client_id must match /^[a-z0-9][a-z0-9._-]{1,63}$/ (lower case letters, digits, . _ -)',
    'clients[0] (Bad Id): client_secret must be a string of at least 16 characters',
    'clients[1] (ok-client): role must be one of trader, desk_head, risk_officer, auditor, admin, got "chief"',
    'clients[1] (ok-client): desk must match /^[A-Z][A-Z0-9_-]{0,31}$/, got "fx"',
    'clients[2] (dup): exactly one of client_secret and client_secret_hash is required',
    'users[0] (dup): dup is already used by another client or user',
    'users[1] (bob): role trader signs in with a second factor: totp_secret is required',
    'users[2] (carol): totp_secret "1" is not a base32 character',
    'users[3] (dan): unknown key "colour"',
  ]);
});

test('production refuses the development file and plain secrets', async () => {
  const dev = parseIdentityFile(IDENTITIES, 'dev-clients.yaml');
  const problems = productionProblems(dev);
  assert.equal(
    problems[0],
    'dev-clients.yaml is marked dev_only: development identities are refused in production',
  );
  assert.equal(problems.length, 1 + 2 + 2);
  const hash = await hashSecret('reader-secret-0123456789', TEST_COST);
  const prod = parseIdentityFile(
    `clients:\n  - { client_id: md-reader, client_secret_hash: "${hash}", role: auditor, desk: AUDIT }\n`,
    'prod.yaml',
  );
  assert.deepEqual(productionProblems(prod), []);
  const directory = await IdentityDirectory.build(prod, TEST_COST);
  assert.deepEqual(await directory.authenticateClient('md-reader', 'reader-secret-0123456789'), {
    clientId: 'md-reader',
    role: 'auditor',
    desk: 'AUDIT',
  });
  assert.equal(await directory.authenticateClient('md-reader', 'reader-secret-012345678'), undefined);
});

test('keeps no plain secret once the directory is built', async () => {
  const directory = await IdentityDirectory.build(parseIdentityFile(IDENTITIES, 'test'), TEST_COST);
  assert.doesNotMatch(
    JSON.stringify(directory, (_k, v) => (v instanceof Map ? [...v.values()] : v)),
    /secret-0123456789|password-12/,
  );
  assert.equal((await directory.authenticateUser('zoe', 'zoe-password-12345'))?.role, 'auditor');
});
