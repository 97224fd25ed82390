// Cursor paging: the token is an opaque position (a list index or a journal sequence).
import type { commonV1 } from '@tapeline/contracts';
import { OmsError } from '../errors';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(requested: number | undefined): number {
  if (!requested) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

export function encodeCursor(kind: string, position: bigint | number): string {
  return Buffer.from(`${kind}:${position}`, 'utf8').toString('base64url');
}

/** The position a token names (0 for no token); a token of another list or a garbled one is refused. */
export function decodeCursor(kind: string, token: string | undefined): bigint {
  if (!token) return 0n;
  const m = new RegExp(`^${kind}:(\\d{1,20})$`).exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw new OmsError('INVALID_ARGUMENT', `page_token "${token}" is not a token of this list`);
  return BigInt(m[1]!);
}

/** A time bound of a list request: UTC micros, or undefined when unset (0). */
export function micros(t: commonV1.Timestamp | undefined): bigint | undefined {
  return t && t.unixMicros !== '0' && t.unixMicros !== '' ? BigInt(t.unixMicros) : undefined;
}
