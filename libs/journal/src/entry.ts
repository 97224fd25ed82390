/** Kinds of journal entries; the strings are the ones carried by `eventsV1.JournalEntry.kind`. */
export const JOURNAL_ENTRY_KINDS = [
  'order.request',
  'risk.decision',
  'order.state',
  'execution',
  'kill_switch',
  'limit.change',
  // A command of the oms's simulated venue that is no order's transition (book seed, expiry, end of day).
  'venue.command',
] as const;
export type JournalEntryKind = (typeof JOURNAL_ENTRY_KINDS)[number];

/** Who caused the entry: the authenticated user, the OAuth2 client it came through, desk and role. */
export interface JournalActor {
  readonly userId: string;
  readonly clientId: string;
  readonly desk: string;
  readonly role: string;
}

export type JsonValue = string | number | boolean | null | bigint | JsonObject | readonly JsonValue[];
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

/** What a caller supplies; the chain adds sequence, id, time (unless given) and the hashes. */
export interface JournalDraft {
  readonly kind: JournalEntryKind;
  readonly actor: JournalActor;
  readonly requestId: string;
  readonly accountId?: string;
  /** The order's ClOrdID for order, risk and execution entries; the scope for limit/kill-switch ones. */
  readonly subjectId?: string;
  readonly instrumentId?: string;
  /** State before and after the change; null when not applicable (e.g. no state before a request). */
  readonly before?: JsonObject | null;
  readonly after?: JsonObject | null;
  /** UTC microseconds; the chain's clock when absent. */
  readonly recordedAtMicros?: bigint;
}

/** One sealed entry. `hash` = SHA-256 of its canonical form (see canonical.ts), which includes prevHash. */
export interface JournalEntry {
  /** Version of the canonical form the hash was computed with. */
  readonly version: number;
  /** Gapless, from 1. */
  readonly sequence: bigint;
  readonly entryId: string;
  readonly recordedAtMicros: bigint;
  readonly kind: JournalEntryKind;
  readonly actor: JournalActor;
  readonly requestId: string;
  readonly accountId: string;
  readonly subjectId: string;
  readonly instrumentId: string;
  readonly before: JsonObject | null;
  readonly after: JsonObject | null;
  /** Lowercase hex, 64 characters. */
  readonly prevHash: string;
  readonly hash: string;
}

/** prev_hash of the first entry (sequence 1): 32 zero bytes. */
export const GENESIS_PREV_HASH = '0'.repeat(64);
