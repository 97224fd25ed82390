import { createHmac, timingSafeEqual } from 'node:crypto';

/** Time-based one-time passwords: RFC 6238 over RFC 4226 HOTP. */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpParameters {
  /** Seconds per time step (X in RFC 6238). */
  readonly stepSeconds: number;
  readonly digits: number;
  readonly algorithm: TotpAlgorithm;
}

/** What authenticator apps use by default: 30 s, 6 digits, HMAC-SHA1. */
export const AUTHENTICATOR_APP: TotpParameters = { stepSeconds: 30, digits: 6, algorithm: 'sha1' };

export class TotpSecretError extends Error {
  override readonly name = 'TotpSecretError';
  readonly code = 'TOTP_SECRET_INVALID';
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, as authenticator apps show secrets; case, spaces and padding are ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new TotpSecretError(`"${ch}" is not a base32 character`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** RFC 4226 §5.3: HMAC of the 8-byte counter, dynamic truncation, modulo 10^digits. */
export function hotp(key: Uint8Array, counter: number, digits: number, algorithm: TotpAlgorithm): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** RFC 6238 §4.2: T = floor((unix time - T0) / X), with T0 = 0. */
export function timeStep(unixSeconds: number, stepSeconds: number): number {
  return Math.floor(unixSeconds / stepSeconds);
}

export function totpAt(
  key: Uint8Array,
  unixSeconds: number,
  params: TotpParameters = AUTHENTICATOR_APP,
): string {
  return hotp(key, timeStep(unixSeconds, params.stepSeconds), params.digits, params.algorithm);
}

/**
 * The time step whose code equals `code`, looking `window` steps either side of now (clock drift
 * between phone and server, RFC 6238 §5.2), or null. Every candidate is compared, in constant time,
 * so the timing does not tell which step matched. Replay is the caller's business: it must refuse
 * a step at or before the last one it accepted for the same user.
 */
export function matchTotp(
  key: Uint8Array,
  code: string,
  unixSeconds: number,
  params: TotpParameters = AUTHENTICATOR_APP,
  window = 1,
): number | null {
  if (!/^\d+$/.test(code) || code.length !== params.digits) return null;
  const presented = Buffer.from(code);
  const now = timeStep(unixSeconds, params.stepSeconds);
  let matched: number | null = null;
  for (let step = now - window; step <= now + window; step++) {
    const expected = Buffer.from(hotp(key, step, params.digits, params.algorithm));
    if (timingSafeEqual(expected, presented) && matched === null) matched = step;
  }
  return matched;
}
