import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { IdentityFileError } from './errors';
import { requiresSecondFactor } from './permissions';
import { DESK_RE, isRole, ROLES, type Role } from './roles';
import {
  DEFAULT_SCRYPT_COST,
  hashSecret,
  isSecretHash,
  verifyAgainstNothing,
  verifySecret,
  type ScryptCost,
} from './secrets';
import { base32Decode, TotpSecretError } from './totp';

/** A service client of the client-credentials grant. */
export interface ClientEntry {
  readonly clientId: string;
  /** Plain secret: development files only. */
  readonly secret?: string;
  readonly secretHash?: string;
  readonly role: Role;
  readonly desk: string;
}

/** A human user of the password grant. */
export interface UserEntry {
  readonly username: string;
  readonly password?: string;
  readonly passwordHash?: string;
  /** Base32 TOTP secret; required for roles that sign in with a second factor. */
  readonly totpSecret?: string;
  readonly role: Role;
  readonly desk: string;
}

/** A clients/users file as read: `dev_only: true` marks the development file that production refuses. */
export interface IdentityFile {
  readonly source: string;
  readonly devOnly: boolean;
  readonly clients: readonly ClientEntry[];
  readonly users: readonly UserEntry[];
}

const ID_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const MIN_SECRET_LENGTH = 16;
const MIN_PASSWORD_LENGTH = 12;
/** RFC 4226 R6: the shared secret is at least 128 bits. */
const MIN_TOTP_SECRET_BYTES = 16;
const CLIENT_KEYS = ['client_id', 'client_secret', 'client_secret_hash', 'role', 'desk'];
const USER_KEYS = ['username', 'password', 'password_hash', 'totp_secret', 'role', 'desk'];

export function loadIdentityFile(path: string): IdentityFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IdentityFileError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseIdentityFile(text, path);
}

/** Reads and checks a clients/users YAML document; every problem is reported at once. */
export function parseIdentityFile(text: string, source = '<inline>'): IdentityFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new IdentityFileError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new IdentityFileError(source, ['expected a mapping with "clients" and "users" lists']);
  }
  const root = doc as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(root)) {
    if (!['dev_only', 'clients', 'users'].includes(key)) problems.push(`unknown top-level key "${key}"`);
  }
  const seen = new Set<string>();
  const reader = new EntryReader(problems, seen);
  const clients = listOf(root.clients, 'clients', problems).flatMap((raw, i) => reader.client(raw, i));
  const users = listOf(root.users, 'users', problems).flatMap((raw, i) => reader.user(raw, i));
  if (clients.length + users.length === 0 && problems.length === 0) problems.push('no clients and no users');
  if (problems.length) throw new IdentityFileError(source, problems);
  return { source, devOnly: root.dev_only === true, clients, users };
}

/** Why a file must not serve production: it is the development file, or it holds plain secrets. */
export function productionProblems(file: IdentityFile): string[] {
  const problems: string[] = [];
  if (file.devOnly)
    problems.push(`${file.source} is marked dev_only: development identities are refused in production`);
  for (const c of file.clients) {
    if (c.secret !== undefined)
      problems.push(`client ${c.clientId}: plain client_secret; production needs client_secret_hash`);
  }
  for (const u of file.users) {
    if (u.password !== undefined)
      problems.push(`user ${u.username}: plain password; production needs password_hash`);
  }
  return problems;
}

function listOf(value: unknown, name: string, problems: string[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`"${name}" must be a list`);
    return [];
  }
  return value;
}

class EntryReader {
  constructor(
    private readonly problems: string[],
    private readonly seen: Set<string>,
  ) {}

  client(raw: unknown, index: number): ClientEntry[] {
    const e = this.entry(raw, `clients[${index}]`, CLIENT_KEYS, 'client_id');
    if (!e) return [];
    const secret = this.secret(e, 'client_secret', 'client_secret_hash', MIN_SECRET_LENGTH);
    const role = this.role(e);
    const desk = this.desk(e);
    if (!e.ok || !role || !desk) return [];
    return [
      {
        clientId: e.id,
        ...(secret.plain ? { secret: secret.plain } : { secretHash: secret.hash! }),
        role,
        desk,
      },
    ];
  }

  user(raw: unknown, index: number): UserEntry[] {
    const e = this.entry(raw, `users[${index}]`, USER_KEYS, 'username');
    if (!e) return [];
    const password = this.secret(e, 'password', 'password_hash', MIN_PASSWORD_LENGTH);
    const role = this.role(e);
    const desk = this.desk(e);
    const totp = e.fields.totp_secret;
    if (totp !== undefined) {
      try {
        if (typeof totp !== 'string') throw new TotpSecretError('must be a base32 string');
        if (base32Decode(totp).length < MIN_TOTP_SECRET_BYTES) {
          throw new TotpSecretError(
            `must hold at least ${MIN_TOTP_SECRET_BYTES * 8} bits (${Math.ceil((MIN_TOTP_SECRET_BYTES * 8) / 5)} base32 characters)`,
          );
        }
      } catch (err) {
        e.problem(`totp_secret ${(err as Error).message}`);
      }
    } else if (role && requiresSecondFactor(role)) {
      e.problem(`role ${role} signs in with a second factor: totp_secret is required`);
    }
    if (!e.ok || !role || !desk) return [];
    return [
      {
        username: e.id,
        ...(password.plain ? { password: password.plain } : { passwordHash: password.hash! }),
        ...(typeof totp === 'string' ? { totpSecret: totp } : {}),
        role,
        desk,
      },
    ];
  }

  private entry(raw: unknown, label: string, allowed: string[], idKey: string) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.problems.push(`${label}: expected a mapping`);
      return undefined;
    }
    const fields = raw as Record<string, unknown>;
    const id = fields[idKey];
    const entry = {
      id: typeof id === 'string' ? id : '',
      fields,
      ok: true,
      problem: (p: string) => {
        entry.ok = false;
        this.problems.push(`${label}${typeof id === 'string' ? ` (${id})` : ''}: ${p}`);
      },
    };
    for (const key of Object.keys(fields)) if (!allowed.includes(key)) entry.problem(`unknown key "${key}"`);
    if (typeof id !== 'string' || !ID_RE.test(id)) {
      entry.problem(`${idKey} must match ${ID_RE} (lower case letters, digits, . _ -)`);
    } else if (this.seen.has(id)) {
      // Clients and users share one namespace: the id becomes the token's subject.
      entry.problem(`${id} is already used by another client or user`);
    } else {
      this.seen.add(id);
    }
    return entry;
  }

  private secret(
    e: NonNullable<ReturnType<EntryReader['entry']>>,
    plainKey: string,
    hashKey: string,
    minLength: number,
  ) {
    const plain = e.fields[plainKey];
    const hash = e.fields[hashKey];
    if ((plain === undefined) === (hash === undefined)) {
      e.problem(`exactly one of ${plainKey} and ${hashKey} is required`);
      return {};
    }
    if (plain !== undefined) {
      if (typeof plain !== 'string' || plain.length < minLength) {
        e.problem(`${plainKey} must be a string of at least ${minLength} characters`);
        return {};
      }
      return { plain };
    }
    if (typeof hash !== 'string' || !isSecretHash(hash)) {
      e.problem(`${hashKey} must be a scrypt hash ($scrypt$ln=..,r=..,p=..$salt$hash)`);
      return {};
    }
    return { hash };
  }

  private role(e: NonNullable<ReturnType<EntryReader['entry']>>): Role | undefined {
    if (isRole(e.fields.role)) return e.fields.role;
    e.problem(`role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(e.fields.role)}`);
    return undefined;
  }

  private desk(e: NonNullable<ReturnType<EntryReader['entry']>>): string | undefined {
    const desk = e.fields.desk;
    if (typeof desk === 'string' && DESK_RE.test(desk)) return desk;
    e.problem(`desk must match ${DESK_RE}, got ${JSON.stringify(desk)}`);
    return undefined;
  }
}

export interface ClientIdentity {
  readonly clientId: string;
  readonly role: Role;
  readonly desk: string;
}

export interface UserIdentity {
  readonly username: string;
  readonly role: Role;
  readonly desk: string;
  /** Decoded TOTP key, when the user has a second factor. */
  readonly totpKey?: Buffer;
}

/**
 * Clients and users with their secrets as scrypt hashes only: plain secrets of a development
 * file are hashed when the directory is built and not kept.
 */
export class IdentityDirectory {
  private constructor(
    private readonly clients: ReadonlyMap<string, ClientIdentity & { secretHash: string }>,
    private readonly users: ReadonlyMap<string, UserIdentity & { passwordHash: string }>,
  ) {}

  static async build(file: IdentityFile, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<IdentityDirectory> {
    const clients = await Promise.all(
      file.clients.map(async (c) => ({
        clientId: c.clientId,
        role: c.role,
        desk: c.desk,
        secretHash: c.secretHash ?? (await hashSecret(c.secret!, cost)),
      })),
    );
    const users = await Promise.all(
      file.users.map(async (u) => ({
        username: u.username,
        role: u.role,
        desk: u.desk,
        ...(u.totpSecret ? { totpKey: base32Decode(u.totpSecret) } : {}),
        passwordHash: u.passwordHash ?? (await hashSecret(u.password!, cost)),
      })),
    );
    return new IdentityDirectory(
      new Map(clients.map((c) => [c.clientId, c])),
      new Map(users.map((u) => [u.username, u])),
    );
  }

  /** The client when the secret is right; an unknown id costs the same time as a wrong secret. */
  async authenticateClient(clientId: string, secret: string): Promise<ClientIdentity | undefined> {
    const client = this.clients.get(clientId);
    if (!client) return verifyAgainstNothing(secret).then(() => undefined);
    if (!(await verifySecret(secret, client.secretHash))) return undefined;
    return { clientId: client.clientId, role: client.role, desk: client.desk };
  }

  async authenticateUser(username: string, password: string): Promise<UserIdentity | undefined> {
    const user = this.users.get(username);
    if (!user) return verifyAgainstNothing(password).then(() => undefined);
    if (!(await verifySecret(password, user.passwordHash))) return undefined;
    return this.user(username);
  }

  /** Current role and desk, re-read at each refresh so that a change takes effect then. */
  client(clientId: string): ClientIdentity | undefined {
    const c = this.clients.get(clientId);
    return c && { clientId: c.clientId, role: c.role, desk: c.desk };
  }

  user(username: string): UserIdentity | undefined {
    const u = this.users.get(username);
    return (
      u && { username: u.username, role: u.role, desk: u.desk, ...(u.totpKey ? { totpKey: u.totpKey } : {}) }
    );
  }
}
