import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KeyRingError } from './errors';

/** The only signature algorithm we issue and accept. */
export const SIGNING_ALG = 'ES256';

export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: typeof SIGNING_ALG;
  use: 'sig';
}

/** A P-256 key pair; `privateKey` is absent for a key that is only published (verification only). */
export interface SigningKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly privateKey?: KeyObject;
  readonly jwk: PublicJwk;
}

export const KID_RE = /^[A-Za-z0-9._-]{1,64}$/;

function fromKeyObjects(kid: string, publicKey: KeyObject, privateKey?: KeyObject): SigningKey {
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new KeyRingError('KEY_FILE_INVALID', `key ${kid} is not an EC P-256 key (ES256 needs P-256)`);
  }
  const { x, y } = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  return {
    kid,
    publicKey,
    privateKey,
    jwk: { kty: 'EC', crv: 'P-256', x, y, kid, alg: SIGNING_ALG, use: 'sig' },
  };
}

/** A fresh key whose kid starts with the UTC time, so that kids sort by age. */
export function generateSigningKey(nowMs: number): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return fromKeyObjects(`${stamp}-${randomBytes(3).toString('hex')}`, publicKey, privateKey);
}

/** A PEM private key (PKCS#8 or SEC1) becomes a signing key; a PEM public key (SPKI) a published one. */
export function signingKeyFromPem(kid: string, pem: string): SigningKey {
  if (!KID_RE.test(kid)) throw new KeyRingError('KEY_FILE_INVALID', `"${kid}" is not a usable key id`);
  try {
    if (/-----BEGIN (EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
      const privateKey = createPrivateKey(pem);
      return fromKeyObjects(kid, createPublicKey(privateKey), privateKey);
    }
    return fromKeyObjects(kid, createPublicKey(pem));
  } catch (err) {
    if (err instanceof KeyRingError) throw err;
    throw new KeyRingError('KEY_FILE_INVALID', `key ${kid} cannot be read: ${(err as Error).message}`);
  }
}

/**
 * Reads a mounted key directory: `<kid>.pem` holds a private key, `<kid>.pub.pem` a public key that
 * stays published for tokens signed before a rotation. The private key whose kid sorts last signs.
 */
export function readSigningKeyDirectory(dir: string): { keys: SigningKey[]; problems: string[] } {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.pem'))
      .sort();
  } catch (err) {
    return { keys: [], problems: [`cannot read ${dir}: ${(err as Error).message}`] };
  }
  const keys: SigningKey[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const kid = file.replace(/(\.pub)?\.pem$/, '');
    try {
      const key = signingKeyFromPem(kid, readFileSync(path.join(dir, file), 'utf8'));
      if (keys.some((k) => k.kid === kid)) problems.push(`${file}: key id ${kid} appears twice`);
      else keys.push(key);
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
    }
  }
  if (!keys.some((k) => k.privateKey)) {
    problems.push(`${dir} holds no private key (<kid>.pem) to sign with`);
  }
  return { keys, problems };
}

interface RingEntry {
  readonly key: SigningKey;
  /** Epoch ms after which the key is no longer published; null while it is current. */
  publishUntil: number | null;
}

/**
 * The issuer's keys: one active key signs; keys retired by a rotation stay published (JWKS) and
 * accepted for verification until every token they signed has expired, then they are dropped.
 */
export class SigningKeyRing {
  private readonly entries = new Map<string, RingEntry>();
  private activeKid: string | undefined;

  /** @param retainMs how long a retired key stays published: the access-token lifetime plus clock tolerance. */
  constructor(private readonly retainMs: number) {}

  /** Makes `key` the signing key; the previous one retires. */
  install(key: SigningKey, nowMs: number): void {
    if (!key.privateKey) throw new KeyRingError('NO_SIGNING_KEY', `key ${key.kid} has no private key`);
    this.entries.set(key.kid, { key, publishUntil: null });
    if (this.activeKid && this.activeKid !== key.kid) this.retire(this.activeKid, nowMs);
    this.activeKid = key.kid;
    this.prune(nowMs);
  }

  /** Scheduled or on-demand rotation with a freshly generated key. */
  rotate(nowMs: number): SigningKey {
    const key = generateSigningKey(nowMs);
    this.install(key, nowMs);
    return key;
  }

  /**
   * Takes the key set of a (re-read) key directory: new keys join, keys gone from it retire, and
   * the private key whose kid sorts last signs.
   */
  sync(keys: readonly SigningKey[], nowMs: number): void {
    const signer = keys
      .filter((k) => k.privateKey)
      .sort((a, b) => (a.kid < b.kid ? -1 : 1))
      .pop();
    if (!signer) throw new KeyRingError('NO_SIGNING_KEY', 'the key set has no private key to sign with');
    const present = new Set(keys.map((k) => k.kid));
    for (const [kid, entry] of this.entries) {
      if (!present.has(kid) && entry.publishUntil === null) entry.publishUntil = nowMs + this.retainMs;
    }
    for (const key of keys) {
      if (key.kid !== signer.kid) this.entries.set(key.kid, { key, publishUntil: null });
    }
    this.install(signer, nowMs);
    // A key still in the directory stays published however it was installed.
    for (const key of keys) this.entries.get(key.kid)!.publishUntil = null;
  }

  active(): SigningKey & { privateKey: KeyObject } {
    const entry = this.activeKid ? this.entries.get(this.activeKid) : undefined;
    if (!entry?.key.privateKey) throw new KeyRingError('NO_SIGNING_KEY', 'the key ring has no signing key');
    return entry.key as SigningKey & { privateKey: KeyObject };
  }

  /** The public key for a token's `kid`, if that key is still published. */
  verificationKey(kid: string, nowMs: number): KeyObject | undefined {
    const entry = this.entries.get(kid);
    if (!entry || (entry.publishUntil !== null && nowMs > entry.publishUntil)) return undefined;
    return entry.key.publicKey;
  }

  /** The JWK Set served at /.well-known/jwks.json (RFC 7517 §5). */
  jwks(nowMs: number): { keys: PublicJwk[] } {
    this.prune(nowMs);
    return { keys: [...this.entries.values()].map((e) => e.key.jwk) };
  }

  private retire(kid: string, nowMs: number): void {
    const entry = this.entries.get(kid);
    if (entry && entry.publishUntil === null) entry.publishUntil = nowMs + this.retainMs;
  }

  private prune(nowMs: number): void {
    for (const [kid, entry] of this.entries) {
      if (entry.publishUntil !== null && nowMs > entry.publishUntil) this.entries.delete(kid);
    }
  }
}
