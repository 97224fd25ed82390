import { CANONICAL_VERSION, hashEntry, hashWithStates, rememberStateTexts, stateText } from './canonical';
import { GENESIS_PREV_HASH, JOURNAL_ENTRY_KINDS, type JournalDraft, type JournalEntry } from './entry';
import { JournalError } from './errors';
import { randomUUID } from 'node:crypto';

/** Where a chain stands: the last sequence written and its hash (0 and the genesis hash when empty). */
export interface ChainHead {
  readonly sequence: bigint;
  readonly hash: string;
}

export const EMPTY_CHAIN_HEAD: ChainHead = { sequence: 0n, hash: GENESIS_PREV_HASH };

export interface JournalChainOptions {
  /** UTC microseconds now, e.g. `nowMicros` from @tapeline/telemetry. */
  readonly clock: () => bigint | number;
  /** Entry ids; random UUIDs by default. */
  readonly newEntryId?: () => string;
  /** The last stored entry (its hash is re-checked) or head, to continue an existing journal. */
  readonly resumeFrom?: JournalEntry | ChainHead;
}

const HEX_HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Appends entries to one hash chain: assigns the next gapless sequence, the previous entry's hash
 * as prev_hash, and seals the entry with its own hash. Single writer: the oms keeps one chain and
 * serialises appends through it, so sequence order is the order of events.
 */
export class JournalChain {
  private last: ChainHead;
  private readonly clock: () => bigint | number;
  private readonly newEntryId: () => string;

  constructor(options: JournalChainOptions) {
    this.clock = options.clock;
    this.newEntryId = options.newEntryId ?? randomUUID;
    this.last = options.resumeFrom ? resumePoint(options.resumeFrom) : EMPTY_CHAIN_HEAD;
  }

  get head(): ChainHead {
    return this.last;
  }

  append(draft: JournalDraft): JournalEntry {
    if (!(JOURNAL_ENTRY_KINDS as readonly string[]).includes(draft.kind)) {
      throw new JournalError('BAD_ENTRY', `unknown journal entry kind "${draft.kind}"`);
    }
    if (!draft.requestId) throw new JournalError('BAD_ENTRY', `${draft.kind} entry without a request id`);
    const recordedAtMicros = draft.recordedAtMicros ?? BigInt(this.clock());
    if (recordedAtMicros < 0n) throw new JournalError('BAD_ENTRY', `negative time ${recordedAtMicros}`);
    const before = draft.before ?? null;
    const after = draft.after ?? null;
    // Canonicalised once, here: an unrecordable document fails the append (not a later
    // verification), and the texts are hashed and remembered for writing the entry.
    const states = { before: stateText(before), after: stateText(after) };
    const unsealed = {
      version: CANONICAL_VERSION,
      sequence: this.last.sequence + 1n,
      entryId: this.newEntryId(),
      recordedAtMicros,
      kind: draft.kind,
      actor: { ...draft.actor },
      requestId: draft.requestId,
      accountId: draft.accountId ?? '',
      subjectId: draft.subjectId ?? '',
      instrumentId: draft.instrumentId ?? '',
      before,
      after,
      prevHash: this.last.hash,
    };
    const entry: JournalEntry = { ...unsealed, hash: hashWithStates(unsealed, states) };
    rememberStateTexts(entry, states.before, states.after);
    this.last = { sequence: entry.sequence, hash: entry.hash };
    return entry;
  }
}

function resumePoint(from: JournalEntry | ChainHead): ChainHead {
  if ('prevHash' in from) {
    const { hash, ...unsealed } = from;
    const actual = hashEntry(unsealed);
    if (actual !== hash) {
      throw new JournalError(
        'BAD_RESUME_POINT',
        `entry ${from.sequence} does not match its hash (stored ${hash}, computed ${actual})`,
      );
    }
  }
  if (from.sequence < 0n) throw new JournalError('BAD_RESUME_POINT', `negative sequence ${from.sequence}`);
  if (!HEX_HASH_RE.test(from.hash)) {
    throw new JournalError('BAD_RESUME_POINT', `"${from.hash}" is not a lowercase hex SHA-256`);
  }
  if (from.sequence === 0n && from.hash !== GENESIS_PREV_HASH) {
    throw new JournalError('BAD_RESUME_POINT', 'an empty chain must resume from the genesis hash');
  }
  return { sequence: from.sequence, hash: from.hash };
}
