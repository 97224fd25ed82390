import { Inject, Injectable } from '@nestjs/common';
import { authorize, deskScope, type Grantee, type Permission } from '@tapeline/auth';
import { apiError, badInput } from '../graphql/errors';
import { OmsClient } from './trading-clients';

/** How long the account list of the oms is trusted before it is asked again. */
const ACCOUNTS_TTL_MS = 60_000;

/**
 * The desk of each trading account, from the oms's ListAccounts (its accounts.yaml), cached: the
 * desk rule of the permission table ("traders act on their desk's accounts only") needs it on every
 * order. An unknown account refreshes the cache once before it is refused.
 */
@Injectable()
export class AccountDesks {
  private desks: ReadonlyMap<string, string> | undefined;
  private loadedAt = 0;
  private loading: Promise<ReadonlyMap<string, string>> | undefined;

  constructor(@Inject(OmsClient) private readonly oms: OmsClient) {}

  /** The desk of an account; BAD_USER_INPUT naming `argument` when the oms knows no such account. */
  async deskOf(accountId: string, argument = 'accountId'): Promise<string> {
    let desks = await this.current();
    if (!desks.has(accountId) && this.loadedAt < Date.now() - 1000) desks = await this.refresh();
    const desk = desks.get(accountId);
    if (desk === undefined) throw badInput(argument, `names no trading account: "${accountId}"`);
    return desk;
  }

  /** FORBIDDEN unless `who` may use `permission` on the account (its desk against the desk rule). */
  async authorizeAccount(
    who: Grantee,
    permission: Permission,
    accountId: string,
    argument?: string,
  ): Promise<string> {
    const desk = await this.deskOf(accountId, argument);
    this.authorizeDesk(who, permission, desk);
    return desk;
  }

  /** FORBIDDEN unless `who` may use `permission` on resources of `desk`. */
  authorizeDesk(who: Grantee, permission: Permission, desk: string): void {
    const decision = authorize(who, permission, desk);
    if (!decision.allowed) throw apiError('FORBIDDEN', decision.message);
  }

  /**
   * The accounts a listing under `permission` may show: the requested ones (each checked), or every
   * account of the caller's desk; null means every account (no filter).
   */
  async visibleAccounts(
    who: Grantee,
    permission: Permission,
    requested: readonly string[] | null | undefined,
  ): Promise<string[] | null> {
    if (requested && requested.length > 0) {
      for (const a of requested) await this.authorizeAccount(who, permission, a, 'accountIds');
      return [...new Set(requested)];
    }
    const scope = deskScope(who, permission);
    if (scope.kind === 'all_desks') return null;
    if (scope.kind === 'none') throw apiError('FORBIDDEN', `role ${who.role} does not hold ${permission}`);
    return this.accountsOf(scope.desk);
  }

  /** The trading accounts of a desk. */
  async accountsOf(desk: string): Promise<string[]> {
    const desks = await this.current();
    return [...desks].filter(([, d]) => d === desk).map(([account]) => account);
  }

  private async current(): Promise<ReadonlyMap<string, string>> {
    if (this.desks && Date.now() - this.loadedAt < ACCOUNTS_TTL_MS) return this.desks;
    return this.refresh();
  }

  private refresh(): Promise<ReadonlyMap<string, string>> {
    this.loading ??= this.oms
      .call('listAccounts', {})
      .then((res) => {
        this.desks = new Map(res.accounts.map((a) => [a.accountId, a.desk]));
        this.loadedAt = Date.now();
        return this.desks;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }
}
