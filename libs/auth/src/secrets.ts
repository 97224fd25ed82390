import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Client secrets and passwords are kept as scrypt hashes in PHC form:
 * `$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>`. The cost travels with the hash, so it can be
 * raised later without invalidating stored secrets.
 */
export interface ScryptCost {
  /** log2 of N, the CPU/memory cost. 15 ≈ 32 MiB and ~85 ms per hash on one core. */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { ln: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const PHC_RE =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function derive(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.ln;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `encoded` looks like a hash `hashSecret` wrote (used to validate identity files). */
export function isSecretHash(encoded: string): boolean {
  const m = PHC_RE.exec(encoded);
  return !!m && Number(m[1]) >= 10 && Number(m[1]) <= 20;
}

/** Compares in constant time; a malformed hash never matches. */
export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const m = PHC_RE.exec(encoded);
  if (!m || !isSecretHash(encoded)) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await derive(secret, Buffer.from(m[4]!, 'base64'), {
    ln: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
  });
  return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/**
 * Spends the same time as a real comparison when the client or user does not exist, so that
 * response times do not tell which ids are valid.
 */
export async function verifyAgainstNothing(secret: string): Promise<false> {
  dummy ??= hashSecret('no such principal');
  await verifySecret(secret, await dummy);
  return false;
}
