// QueryJournal and VerifyJournal over the stored journal (ClickHouse), for auditors. Both wait
// until ClickHouse holds every entry appended before the call (the inserts follow the write-ahead
// log by a batch or two), so an auditor sees every acknowledged change.
import type { omsV1 } from '@tapeline/contracts';
import { toJournalEntryEvent, verifyChain } from '@tapeline/journal';
import { OmsError } from '../errors';
import { decodeCursor, encodeCursor, micros, pageSize } from '../grpc/paging';
import type { JournalStore } from './journal-store';
import type { JournalWriter } from './journal-writer';

const VERIFY_PAGE = 5000;
/** The contract's names for the break reasons. */
const REASONS: Record<string, string> = {
  hash_mismatch: 'hash_mismatch',
  prev_mismatch: 'prev_hash_mismatch',
  sequence_gap: 'sequence_gap',
};

export class JournalAudit {
  constructor(
    private readonly store: JournalStore,
    private readonly writer: JournalWriter,
  ) {}

  async query(req: omsV1.QueryJournalRequest): Promise<omsV1.QueryJournalResponse> {
    await this.writer.stored();
    const size = pageSize(req.page?.pageSize);
    const after = decodeCursor('journal', req.page?.pageToken);
    const fromMicros = micros(req.from);
    const toMicros = micros(req.to);
    const page = await this.store.query(
      {
        orderId: req.orderId,
        accountId: req.accountId,
        actor: req.actor,
        ...(fromMicros !== undefined ? { fromMicros } : {}),
        ...(toMicros !== undefined ? { toMicros } : {}),
      },
      after,
      size,
    );
    const last = page.entries[page.entries.length - 1];
    return {
      entries: page.entries.map(toJournalEntryEvent),
      pageInfo: {
        nextPageToken: page.more && last ? encodeCursor('journal', last.sequence) : '',
        totalSize: page.total,
      },
    };
  }

  /** Re-hashes the stored entries of the range, page by page, and reports the first broken link. */
  async verify(req: omsV1.VerifyJournalRequest): Promise<omsV1.VerifyJournalResponse> {
    await this.writer.stored();
    const from = BigInt(req.fromSequence || '0') || 1n;
    const to = BigInt(req.toSequence || '0') || (await this.store.maxSequence());
    if (to < from) {
      if (to === 0n) return { ok: true, entriesChecked: '0', firstBroken: undefined };
      throw new OmsError('INVALID_ARGUMENT', `to_sequence ${to} is before from_sequence ${from}`);
    }
    let next = from;
    let prevHash: string | undefined;
    let checked = 0;
    for (;;) {
      const page = await this.store.readFrom(next, VERIFY_PAGE, to);
      const lastPage = page.length < VERIFY_PAGE;
      const verdict = verifyChain(page, {
        from: next,
        ...(prevHash !== undefined ? { expectedPrevHash: prevHash } : {}),
        ...(lastPage ? { to } : {}),
      });
      if (!verdict.ok) {
        return {
          ok: false,
          entriesChecked: String(checked + verdict.verified),
          firstBroken: {
            sequence: verdict.sequence.toString(),
            reason: REASONS[verdict.reason] ?? verdict.reason,
            expected: verdict.expected,
            actual: verdict.actual,
          },
        };
      }
      checked += verdict.verified;
      if (lastPage) return { ok: true, entriesChecked: String(checked), firstBroken: undefined };
      next = verdict.head.sequence + 1n;
      prevHash = verdict.head.hash;
    }
  }
}
