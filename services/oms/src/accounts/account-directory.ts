// services/oms/config/accounts.yaml: the trading accounts and the desk of each.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface Account {
  readonly accountId: string;
  readonly desk: string;
  readonly description: string;
}

export class AccountConfigError extends Error {
  override readonly name = 'AccountConfigError';
  readonly code = 'BAD_ACCOUNT_CONFIG';
}

/** Accounts by id. An order on an account that is not listed is refused. */
export class AccountDirectory {
  private readonly byId: ReadonlyMap<string, Account>;

  constructor(accounts: readonly Account[]) {
    this.byId = new Map(accounts.map((a) => [a.accountId, a]));
  }

  static load(file: string): AccountDirectory {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new AccountConfigError(`accounts ${file}: ${(err as Error).message}`);
    }
    const list = (doc as { accounts?: unknown } | null)?.accounts;
    const problems: string[] = [];
    const accounts: Account[] = [];
    if (!Array.isArray(list)) problems.push('accounts must be a list');
    else {
      const seen = new Set<string>();
      list.forEach((raw: unknown, i) => {
        const a = (raw ?? {}) as Record<string, unknown>;
        if (typeof a.id !== 'string' || a.id === '')
          return problems.push(`accounts[${i}].id must be a string`);
        if (typeof a.desk !== 'string' || a.desk === '')
          return problems.push(`accounts[${i}] (${a.id}): desk must be a string`);
        if (seen.has(a.id)) return problems.push(`account ${a.id} is listed twice`);
        seen.add(a.id);
        accounts.push({
          accountId: a.id,
          desk: a.desk,
          description: typeof a.description === 'string' ? a.description : '',
        });
      });
    }
    if (problems.length > 0) {
      throw new AccountConfigError(
        `accounts ${file} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    }
    return new AccountDirectory(accounts);
  }

  get(accountId: string): Account | undefined {
    return this.byId.get(accountId);
  }

  /** Accounts of a desk (for desk-scoped kill switches and exposure). */
  ofDesk(desk: string): Account[] {
    return [...this.byId.values()].filter((a) => a.desk === desk);
  }

  all(): Account[] {
    return [...this.byId.values()];
  }
}
