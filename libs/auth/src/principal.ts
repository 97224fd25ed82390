import type { Grantee, Permission } from './permissions';
import type { Role } from './roles';

/** RFC 8176 authentication method references we issue: password and one-time password. */
export type AuthMethod = 'pwd' | 'otp';

/** Who is calling, as proven by a verified access token. */
export interface Principal extends Grantee {
  /** `sub`: the client id of a service client, the user name of a human. */
  readonly subject: string;
  readonly kind: 'client' | 'user';
  readonly role: Role;
  readonly desk: string;
  readonly scopes: readonly Permission[];
  readonly clientId?: string;
  readonly userId?: string;
  readonly amr: readonly AuthMethod[];
  /** `jti`, for revocation. */
  readonly tokenId: string;
  /** `sid`: the sign-in a user's token belongs to (its refresh-token family). */
  readonly sessionId?: string;
  /** `exp` in seconds since the epoch. */
  readonly expiresAt: number;
}
