import { createHash } from 'node:crypto';
import { JournalError } from './errors';
import type { JournalEntry, JsonObject, JsonValue } from './entry';

export const CANONICAL_VERSION = 1;

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, bigint written as a
 * decimal string, undefined properties omitted (as JSON does). Anything that would not survive a
 * JSON round trip unchanged (NaN, Infinity, undefined in an array, Dates, Maps, class instances)
 * is refused, so that a stored document re-hashes to the same bytes.
 */
export function canonicalJson(value: JsonValue): string {
  return write(value, '$');
}

function write(value: JsonValue, path: string): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'number':
      if (!Number.isFinite(value)) throw new JournalError('NOT_CANONICAL', `${path}: ${value} is not JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((v: JsonValue | undefined, i) => {
          if (v === undefined)
            throw new JournalError('NOT_CANONICAL', `${path}[${i}]: undefined in an array`);
          return write(v, `${path}[${i}]`);
        })}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new JournalError('NOT_CANONICAL', `${path}: only plain objects are recorded`);
      }
      const obj = value as JsonObject;
      const parts: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const v = obj[key];
        if (v !== undefined) parts.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new JournalError('NOT_CANONICAL', `${path}: a ${typeof value} is not JSON`);
  }
}

/** The state document as stored: canonical JSON, or "" when absent. */
export function stateText(state: JsonObject | null): string {
  return state === null ? '' : canonicalJson(state);
}

/**
 * Canonical form v1: a header then each field in this fixed order, each written as
 * `<UTF-8 byte length>:<value>` (a netstring without the trailing comma), so that no value can
 * be shifted into its neighbour:
 *   "tapeline.journal.v1", sequence, entry_id, recorded_at_micros, kind, actor.user_id,
 *   actor.client_id, actor.desk, actor.role, request_id, account_id, subject_id, instrument_id,
 *   before_state, after_state, prev_hash
 * Integers are decimal, states canonical JSON ("" when absent), prev_hash lowercase hex.
 */
export function canonicalEntry(entry: Omit<JournalEntry, 'hash'>): Buffer {
  if (entry.version !== CANONICAL_VERSION) {
    throw new JournalError('BAD_ENTRY', `canonical form version ${entry.version} is not supported`);
  }
  const fields = [
    `tapeline.journal.v${CANONICAL_VERSION}`,
    entry.sequence.toString(),
    entry.entryId,
    entry.recordedAtMicros.toString(),
    entry.kind,
    entry.actor.userId,
    entry.actor.clientId,
    entry.actor.desk,
    entry.actor.role,
    entry.requestId,
    entry.accountId,
    entry.subjectId,
    entry.instrumentId,
    stateText(entry.before),
    stateText(entry.after),
    entry.prevHash,
  ];
  return Buffer.concat(
    fields.map((f) => {
      const bytes = Buffer.from(f, 'utf8');
      return Buffer.concat([Buffer.from(`${bytes.length}:`, 'ascii'), bytes]);
    }),
  );
}

/** SHA-256 of the canonical form, lowercase hex. */
export function hashEntry(entry: Omit<JournalEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalEntry(entry)).digest('hex');
}
