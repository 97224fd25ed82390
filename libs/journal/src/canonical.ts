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
  // The fast writer refuses anything unusual without a reason; the checked one then names it.
  const text = writeFast(value);
  return text === undefined ? write(value, '$') : text;
}

/**
 * canonicalJson's writer for what the journal records every time (plain objects of strings,
 * numbers, booleans, bigints, arrays): the same output as `write`, without building a path for
 * every value. undefined for anything `write` would refuse (it then throws with the path).
 */
function writeFast(value: JsonValue): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return `"${value.toString()}"`;
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v = value[i] as JsonValue | undefined;
          if (v === undefined) return undefined;
          const text = writeFast(v);
          if (text === undefined) return undefined;
          out += i === 0 ? text : `,${text}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      const obj = value as JsonObject;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = obj[key];
        if (v === undefined) continue;
        const text = writeFast(v);
        if (text === undefined) return undefined;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
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

/** The before/after state texts of entries the chain sealed, computed once when it hashed them. */
const sealedTexts = new WeakMap<object, { readonly before: string; readonly after: string }>();

/**
 * Records the state texts an entry was hashed with (entries are immutable), so that writing it
 * (log, ClickHouse row, bus event) does not canonicalise its documents again.
 */
export function rememberStateTexts(entry: JournalEntry, before: string, after: string): void {
  sealedTexts.set(entry, { before, after });
}

/** The entry's before and after state texts: remembered when the chain sealed it, else computed. */
export function entryStateTexts(entry: Pick<JournalEntry, 'before' | 'after'>): {
  readonly before: string;
  readonly after: string;
} {
  return sealedTexts.get(entry) ?? { before: stateText(entry.before), after: stateText(entry.after) };
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
  return Buffer.from(canonicalText(entry, entryStateTexts(entry)), 'utf8');
}

/** canonicalEntry as a string (its UTF-8 bytes are the canonical form). */
function canonicalText(
  entry: Omit<JournalEntry, 'hash'>,
  states: { readonly before: string; readonly after: string },
): string {
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
    states.before,
    states.after,
    entry.prevHash,
  ];
  let out = '';
  for (const f of fields) out += `${Buffer.byteLength(f, 'utf8')}:${f}`;
  return out;
}

/** SHA-256 of the canonical form, lowercase hex. */
export function hashEntry(entry: Omit<JournalEntry, 'hash'>): string {
  return hashWithStates(entry, entryStateTexts(entry));
}

/** hashEntry with the entry's state texts already canonicalised (the chain computes them once). */
export function hashWithStates(
  entry: Omit<JournalEntry, 'hash'>,
  states: { readonly before: string; readonly after: string },
): string {
  return createHash('sha256').update(canonicalText(entry, states), 'utf8').digest('hex');
}
