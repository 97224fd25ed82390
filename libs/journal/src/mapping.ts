import type { eventsV1 } from '@tapeline/contracts';
import { CANONICAL_VERSION, entryStateTexts } from './canonical';
import { JOURNAL_ENTRY_KINDS, type JournalEntry, type JournalEntryKind, type JsonObject } from './entry';
import { JournalError } from './errors';

/** Bus payload (topic `journal`, key = account id): every hashed field travels, so a consumer can re-verify. */
export function toJournalEntryEvent(entry: JournalEntry): eventsV1.JournalEntry {
  const states = entryStateTexts(entry);
  return {
    sequence: entry.sequence.toString(),
    entryId: entry.entryId,
    recordedAtMicros: entry.recordedAtMicros.toString(),
    actor: { ...entry.actor },
    requestId: entry.requestId,
    kind: entry.kind,
    accountId: entry.accountId,
    subjectId: entry.subjectId,
    instrumentId: entry.instrumentId,
    beforeState: states.before,
    afterState: states.after,
    prevHash: Buffer.from(entry.prevHash, 'hex'),
    hash: Buffer.from(entry.hash, 'hex'),
  };
}

/** Reads a bus payload back. */
export function fromJournalEntryEvent(event: eventsV1.JournalEntry): JournalEntry {
  const where = `journal event ${event.sequence}`;
  return {
    version: CANONICAL_VERSION,
    sequence: parseInteger(event.sequence, where, 'sequence'),
    entryId: event.entryId,
    recordedAtMicros: parseInteger(event.recordedAtMicros, where, 'recorded_at_micros'),
    kind: parseKind(event.kind, where),
    actor: {
      userId: event.actor?.userId ?? '',
      clientId: event.actor?.clientId ?? '',
      desk: event.actor?.desk ?? '',
      role: event.actor?.role ?? '',
    },
    requestId: event.requestId,
    accountId: event.accountId,
    subjectId: event.subjectId,
    instrumentId: event.instrumentId,
    before: parseState(event.beforeState, where, 'before_state'),
    after: parseState(event.afterState, where, 'after_state'),
    prevHash: Buffer.from(event.prevHash).toString('hex'),
    hash: Buffer.from(event.hash).toString('hex'),
  };
}

/** One ClickHouse row of the oms journal table: flat columns, int64s as decimal strings. */
export interface JournalRow {
  hash_version: number;
  sequence: string;
  entry_id: string;
  recorded_at_micros: string;
  kind: string;
  actor_user_id: string;
  actor_client_id: string;
  actor_desk: string;
  actor_role: string;
  request_id: string;
  account_id: string;
  subject_id: string;
  instrument_id: string;
  before_state: string;
  after_state: string;
  prev_hash: string;
  hash: string;
}

/**
 * DDL for the journal table (chDB and ClickHouse alike). Rows are only ever inserted; the
 * ordering key is the sequence, and `recorded_at` is derived for time-range queries.
 */
export function journalTableDdl(table = 'journal'): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  hash_version UInt8,
  sequence UInt64,
  entry_id String,
  recorded_at_micros Int64,
  recorded_at DateTime64(6, 'UTC') MATERIALIZED fromUnixTimestamp64Micro(recorded_at_micros),
  kind LowCardinality(String),
  actor_user_id String,
  actor_client_id String,
  actor_desk LowCardinality(String),
  actor_role LowCardinality(String),
  request_id String,
  account_id String,
  subject_id String,
  instrument_id String,
  before_state String,
  after_state String,
  prev_hash FixedString(64),
  hash FixedString(64)
) ENGINE = MergeTree ORDER BY sequence`;
}

export function toJournalRow(entry: JournalEntry): JournalRow {
  const states = entryStateTexts(entry);
  return {
    hash_version: entry.version,
    sequence: entry.sequence.toString(),
    entry_id: entry.entryId,
    recorded_at_micros: entry.recordedAtMicros.toString(),
    kind: entry.kind,
    actor_user_id: entry.actor.userId,
    actor_client_id: entry.actor.clientId,
    actor_desk: entry.actor.desk,
    actor_role: entry.actor.role,
    request_id: entry.requestId,
    account_id: entry.accountId,
    subject_id: entry.subjectId,
    instrument_id: entry.instrumentId,
    before_state: states.before,
    after_state: states.after,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/** Reads a row back (ClickHouse may return UInt64/Int64 as strings or numbers). */
export function fromJournalRow(row: JournalRow): JournalEntry {
  const where = `journal row ${row.sequence}`;
  return {
    version: Number(row.hash_version),
    sequence: parseInteger(row.sequence, where, 'sequence'),
    entryId: row.entry_id,
    recordedAtMicros: parseInteger(row.recorded_at_micros, where, 'recorded_at_micros'),
    kind: parseKind(row.kind, where),
    actor: {
      userId: row.actor_user_id,
      clientId: row.actor_client_id,
      desk: row.actor_desk,
      role: row.actor_role,
    },
    requestId: row.request_id,
    accountId: row.account_id,
    subjectId: row.subject_id,
    instrumentId: row.instrument_id,
    before: parseState(row.before_state, where, 'before_state'),
    after: parseState(row.after_state, where, 'after_state'),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function parseInteger(text: string | number, where: string, field: string): bigint {
  if (typeof text === 'number' ? !Number.isSafeInteger(text) : !/^-?\d+$/.test(text)) {
    throw new JournalError('BAD_ROW', `${where}: ${field} "${text}" is not an integer`);
  }
  return BigInt(text);
}

function parseKind(kind: string, where: string): JournalEntryKind {
  if (!(JOURNAL_ENTRY_KINDS as readonly string[]).includes(kind)) {
    throw new JournalError('BAD_ROW', `${where}: unknown kind "${kind}"`);
  }
  return kind as JournalEntryKind;
}

function parseState(text: string, where: string, field: string): JsonObject | null {
  if (text === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JournalError('BAD_ROW', `${where}: ${field} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JournalError('BAD_ROW', `${where}: ${field} is not a JSON object`);
  }
  return value as JsonObject;
}
