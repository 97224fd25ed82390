import { Inject } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { deskScope, type Principal } from '@tapeline/auth';
import { CurrentPrincipal, RequirePermission } from '../auth/require-permission';
import { apiError, badInput } from '../graphql/errors';
import { loadConnection } from '../graphql/paging';
import { TimestampScalar } from '../graphql/scalars';
import { wireTimestamp } from '../graphql/wire';
import { AccountDesks } from './account-desks';
import { OmsClient } from './trading-clients';
import { JournalConnection, JournalVerification, toJournalEntry } from './trading.model';

const MAX_JOURNAL_PAGE = 1000;
const UINT64 = /^\d{1,20}$/;

/** The append-only journal of the oms, for auditors and risk (a desk head: its desk's accounts). */
@Resolver()
export class JournalResolver {
  constructor(
    @Inject(OmsClient) private readonly oms: OmsClient,
    @Inject(AccountDesks) private readonly accounts: AccountDesks,
  ) {}

  @RequirePermission('journal:read')
  @Query(() => JournalConnection, {
    description: 'Journal entries by order, account, actor (user or client id) and [from, to), oldest first.',
  })
  async journal(
    @Args('orderId', { type: () => ID, nullable: true }) orderId: string | null,
    @Args('accountId', { type: () => ID, nullable: true }) accountId: string | null,
    @Args('actor', { type: () => String, nullable: true }) actor: string | null,
    @Args('from', { type: () => TimestampScalar, nullable: true }) from: number | null,
    @Args('to', { type: () => TimestampScalar, nullable: true }) to: number | null,
    @Args('first', { type: () => Int, defaultValue: 100, description: `1..${MAX_JOURNAL_PAGE}` })
    first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JournalConnection> {
    if (from != null && to != null && to <= from) throw badInput('to', 'must be after from');
    if (accountId) await this.accounts.authorizeAccount(principal, 'journal:read', accountId);
    else if (deskScope(principal, 'journal:read').kind !== 'all_desks') {
      // The journal is one chain over every desk: a desk-scoped reader names one of its accounts.
      throw apiError(
        'FORBIDDEN',
        `journal:read of role ${principal.role} needs an accountId of desk ${principal.desk}`,
      );
    }
    return loadConnection(
      { first, after, max: MAX_JOURNAL_PAGE },
      async (page) => {
        const res = await this.oms.call('queryJournal', {
          orderId: orderId ?? '',
          accountId: accountId ?? '',
          actor: actor ?? '',
          ...(from != null ? { from: wireTimestamp(from) } : {}),
          ...(to != null ? { to: wireTimestamp(to) } : {}),
          page,
        });
        return { items: res.entries, pageInfo: res.pageInfo };
      },
      toJournalEntry,
    );
  }

  @RequirePermission('journal:verify')
  @Query(() => JournalVerification, {
    description:
      'Recomputes the hash chain over [fromSequence, toSequence] and reports the first broken link.',
  })
  async verifyJournal(
    @Args('fromSequence', { defaultValue: '1', description: 'uint64 as a decimal string.' })
    fromSequence: string,
    @Args('toSequence', { defaultValue: '0', description: 'uint64 as a decimal string; "0": the latest.' })
    toSequence: string,
  ): Promise<JournalVerification> {
    if (!UINT64.test(fromSequence)) throw badInput('fromSequence', 'must be a uint64 decimal string');
    if (!UINT64.test(toSequence)) throw badInput('toSequence', 'must be a uint64 decimal string');
    if (toSequence !== '0' && BigInt(toSequence) < BigInt(fromSequence))
      throw badInput('toSequence', 'must not be below fromSequence');
    const res = await this.oms.call('verifyJournal', { fromSequence, toSequence });
    const broken = res.firstBroken;
    return {
      ok: res.ok,
      entriesChecked: Number(res.entriesChecked),
      firstBroken:
        !res.ok && broken
          ? {
              sequence: broken.sequence,
              reason: broken.reason,
              expected: broken.expected,
              actual: broken.actual,
            }
          : null,
    };
  }
}
