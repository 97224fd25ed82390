// ListAccounts: the trading accounts and their desks, for the gateway's "traders act on their
// desk's accounts only" rule. The same file the oms trades on (OMS_ACCOUNTS_FILE, already
// validated at boot with the rest of the config), read once on the first call.
import type { omsV1 } from '@tapeline/contracts';
import { AccountDirectory } from '../accounts/account-directory';
import { DEFAULT_ACCOUNTS_FILE } from '../config';

export class AccountsQuery {
  private answer: omsV1.ListAccountsResponse | undefined;

  constructor(
    private readonly load: () => AccountDirectory = () =>
      AccountDirectory.load(process.env.OMS_ACCOUNTS_FILE || DEFAULT_ACCOUNTS_FILE),
  ) {}

  /** Accounts sorted by id. */
  list(): omsV1.ListAccountsResponse {
    this.answer ??= {
      accounts: this.load()
        .all()
        .map((a) => ({ accountId: a.accountId, desk: a.desk }))
        .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0)),
    };
    return this.answer;
  }
}
