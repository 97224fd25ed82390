import { hashEntry } from './canonical';
import { GENESIS_PREV_HASH, type JournalEntry } from './entry';
import type { ChainHead } from './chain';

export type ChainBreakReason = 'hash_mismatch' | 'prev_mismatch' | 'sequence_gap';

export interface ChainIntact {
  readonly ok: true;
  /** Entries checked. */
  readonly verified: number;
  /** The last verified entry (the start point when none were checked). */
  readonly head: ChainHead;
}

/** The FIRST broken link; nothing after it is trusted. `expected`/`actual` are sequences or hex hashes. */
export interface ChainBreak {
  readonly ok: false;
  readonly sequence: bigint;
  readonly reason: ChainBreakReason;
  readonly expected: string;
  readonly actual: string;
  readonly message: string;
  /** Entries verified before the break. */
  readonly verified: number;
}

export interface VerifyOptions {
  /** First sequence to verify; the first entry's sequence by default. Earlier entries are skipped. */
  readonly from?: bigint;
  /** Last sequence that must be present; entries after it are ignored. */
  readonly to?: bigint;
  /**
   * prev_hash the entry at `from` must carry. Defaults to the genesis hash when `from` is 1;
   * for a later start it defaults to that entry's own prev_hash, taken on trust.
   */
  readonly expectedPrevHash?: string;
}

/**
 * Walks entries in the order given and reports the first broken link. Per entry, in this order:
 * its sequence must be the next one (a deleted or reordered entry is a `sequence_gap`), its
 * prev_hash must be the previous entry's hash (`prev_mismatch`), and its hash must be the SHA-256
 * of its canonical form (`hash_mismatch`: a field was changed without re-sealing). An entry that
 * was changed and re-sealed shows up as a `prev_mismatch` on the next one.
 */
export function verifyChain(
  entries: Iterable<JournalEntry>,
  options: VerifyOptions = {},
): ChainIntact | ChainBreak {
  let expectedSeq = options.from;
  let expectedPrev = options.expectedPrevHash ?? (options.from === 1n ? GENESIS_PREV_HASH : undefined);
  let verified = 0;
  let head: ChainHead | undefined;
  const broken = (
    sequence: bigint,
    reason: ChainBreakReason,
    expected: string,
    actual: string,
    message: string,
  ): ChainBreak => ({ ok: false, sequence, reason, expected, actual, message, verified });

  for (const entry of entries) {
    if (expectedSeq === undefined) {
      expectedSeq = entry.sequence;
      if (expectedPrev === undefined && expectedSeq === 1n) expectedPrev = GENESIS_PREV_HASH;
    }
    if (verified === 0 && entry.sequence < expectedSeq) continue;
    if (options.to !== undefined && expectedSeq > options.to) break;
    if (entry.sequence !== expectedSeq) {
      return broken(
        expectedSeq,
        'sequence_gap',
        expectedSeq.toString(),
        entry.sequence.toString(),
        `expected sequence ${expectedSeq}, found ${entry.sequence}`,
      );
    }
    if (expectedPrev !== undefined && entry.prevHash !== expectedPrev) {
      return broken(
        entry.sequence,
        'prev_mismatch',
        expectedPrev,
        entry.prevHash,
        `entry ${entry.sequence} does not link to the hash of the entry before it`,
      );
    }
    const { hash, ...unsealed } = entry;
    const computed = hashEntry(unsealed);
    if (computed !== hash) {
      return broken(
        entry.sequence,
        'hash_mismatch',
        computed,
        hash,
        `entry ${entry.sequence} was altered: its content does not hash to its stored hash`,
      );
    }
    verified += 1;
    head = { sequence: entry.sequence, hash };
    expectedPrev = hash;
    expectedSeq += 1n;
  }
  // Entries missing at the end of the range (or no entries at all) are a gap too.
  const missingFrom = expectedSeq ?? options.from ?? 1n;
  if (options.to !== undefined && missingFrom <= options.to) {
    return broken(
      missingFrom,
      'sequence_gap',
      missingFrom.toString(),
      'missing',
      `entries ${missingFrom}..${options.to} are missing`,
    );
  }
  return {
    ok: true,
    verified,
    head: head ?? {
      sequence: (expectedSeq ?? 1n) - 1n,
      hash: expectedPrev ?? GENESIS_PREV_HASH,
    },
  };
}
