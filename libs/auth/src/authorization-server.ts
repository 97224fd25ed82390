import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { OAuthError, TokenError } from './errors';
import type { ClientIdentity, IdentityDirectory } from './identities';
import { isPermission, permissionsOf, requiresSecondFactor, type Permission } from './permissions';
import type { Role } from './roles';
import type { TokenStateStore } from './token-state';
import {
  type AccessTokenIssuer,
  type AccessTokenVerifier,
  type Clock,
  type TokenGrant,
  systemClock,
} from './tokens';
import { AUTHENTICATOR_APP, matchTotp } from './totp';

/** Form parameters as a form parser hands them over: a repeated name arrives as a list. */
export type FormParams = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ClientCredentials {
  readonly clientId: string;
  readonly secret: string;
}

export interface OAuthRequest {
  readonly params: FormParams;
  /** Credentials from `Authorization: Basic` (see parseBasicCredentials), if the client sent them. */
  readonly basic?: ClientCredentials;
}

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

export interface AuthorizationServerSettings {
  /** Absolute lifetime of a sign-in: refresh tokens rotate within it but never extend it. */
  readonly refreshTokenTtlSeconds: number;
}

const GRANT_TYPES = ['client_credentials', 'password', 'refresh_token'] as const;
const CREDENTIALS_FAILED =
  'invalid credentials: username, password and, for roles that trade or administer, otp';

/**
 * Parses `Authorization: Basic` per RFC 6749 §2.3.1: id and secret are form-urlencoded before
 * base64. Returns undefined for another scheme; a malformed Basic header is invalid_client.
 */
export function parseBasicCredentials(header: string | undefined): ClientCredentials | undefined {
  if (!header || !/^Basic\s/i.test(header)) return undefined;
  const malformed = () => new OAuthError('invalid_client', 'malformed Basic credentials', true);
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) throw malformed();
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw malformed();
  }
}

/** The stored form of a refresh token: its SHA-256, so the store never holds a usable token. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The OAuth 2.0 token endpoint (RFC 6749 §3.2) with the client-credentials, password (+ TOTP)
 * and refresh-token grants, and token revocation (RFC 7009). Framework-free: the gateway's HTTP
 * route hands it the form and the Basic credentials and writes out the answer or the OAuthError.
 */
export class AuthorizationServer {
  constructor(
    private readonly directory: IdentityDirectory,
    private readonly issuer: AccessTokenIssuer,
    private readonly verifier: AccessTokenVerifier,
    private readonly store: TokenStateStore,
    private readonly settings: AuthorizationServerSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  async token(req: OAuthRequest): Promise<TokenResponse> {
    const grantType = single(req.params, 'grant_type');
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
    switch (grantType as (typeof GRANT_TYPES)[number]) {
      case 'client_credentials':
        return this.clientCredentials(req);
      case 'password':
        return this.password(req);
      case 'refresh_token':
        return this.refresh(req);
      default:
        throw new OAuthError(
          'unsupported_grant_type',
          `grant_type "${grantType}" is not supported; use one of ${GRANT_TYPES.join(', ')}`,
        );
    }
  }

  /** RFC 7009: answers normally whether or not the token was known, so it is no oracle. */
  async revoke(req: OAuthRequest): Promise<void> {
    const token = required(req.params, 'token');
    const hasCredentials = req.basic !== undefined || req.params.client_id !== undefined;
    const client = hasCredentials ? await this.authenticateClient(req) : undefined;
    const now = this.nowSeconds();
    const record = await this.store.findRefresh(refreshTokenHash(token), now);
    if (record) {
      // Refresh tokens belong to users, never to a client: a client presenting one revokes nothing.
      if (!client) await this.store.revokeFamily(record.familyId, record.expiresAt, now);
      return;
    }
    let principal;
    try {
      principal = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenError) return;
      throw err;
    }
    // An authenticated client may only revoke its own tokens.
    if (client && principal.clientId !== client.clientId) return;
    await this.store.revokeAccessToken(principal.tokenId, principal.expiresAt, now);
  }

  private async clientCredentials(req: OAuthRequest): Promise<TokenResponse> {
    const client = await this.authenticateClient(req);
    const scopes = grantedScopes(client.role, single(req.params, 'scope'));
    const access = await this.issuer.issue({
      kind: 'client',
      subject: client.clientId,
      role: client.role,
      desk: client.desk,
      scopes,
      amr: [],
    });
    // RFC 6749 §4.4.3: no refresh token for client credentials; the client simply asks again.
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: scopes.join(' '),
    };
  }

  private async password(req: OAuthRequest): Promise<TokenResponse> {
    const username = required(req.params, 'username');
    const password = required(req.params, 'password');
    const otp = single(req.params, 'otp');
    const scope = single(req.params, 'scope');
    const user = await this.directory.authenticateUser(username, password);
    if (!user) throw new OAuthError('invalid_grant', CREDENTIALS_FAILED);
    const amr: ('pwd' | 'otp')[] = ['pwd'];
    if (requiresSecondFactor(user.role)) {
      if (!user.totpKey || otp === undefined) throw new OAuthError('invalid_grant', CREDENTIALS_FAILED);
      const nowSeconds = this.nowSeconds();
      const step = matchTotp(user.totpKey, otp, nowSeconds);
      if (step === null) throw new OAuthError('invalid_grant', CREDENTIALS_FAILED);
      // Keep the claim until the step can no longer match (window of one step either side).
      const until = (step + 2) * AUTHENTICATOR_APP.stepSeconds;
      if (!(await this.store.claimTotpStep(user.username, step, until, nowSeconds))) {
        throw new OAuthError('invalid_grant', 'this one-time code was already used; wait for the next one');
      }
      amr.push('otp');
    }
    const sessionId = randomUUID();
    const grant: TokenGrant = {
      kind: 'user',
      subject: user.username,
      role: user.role,
      desk: user.desk,
      scopes: grantedScopes(user.role, scope),
      amr,
      sessionId,
    };
    return this.issueWithRefresh(grant, this.nowSeconds() + this.settings.refreshTokenTtlSeconds);
  }

  private async refresh(req: OAuthRequest): Promise<TokenResponse> {
    const token = required(req.params, 'refresh_token');
    const now = this.nowSeconds();
    const use = await this.store.useRefresh(refreshTokenHash(token), now);
    if (use.status === 'unknown')
      throw new OAuthError('invalid_grant', 'the refresh token is invalid or expired');
    const { record } = use;
    if (use.status === 'reused') {
      // A rotated token came back: whoever holds the chain may be an attacker; end the sign-in.
      await this.store.revokeFamily(record.familyId, record.expiresAt, now);
      throw new OAuthError(
        'invalid_grant',
        'the refresh token was already used; the sign-in has been revoked',
      );
    }
    if (record.expiresAt <= now || (await this.store.isFamilyRevoked(record.familyId, now))) {
      throw new OAuthError('invalid_grant', 'the refresh token is invalid or expired');
    }
    // Role and desk as they are now: a user moved or removed since sign-in gets the new rights or none.
    const user = this.directory.user(record.grant.subject);
    if (!user) throw new OAuthError('invalid_grant', 'the user no longer exists');
    const requested = single(req.params, 'scope');
    const scopes = requested === undefined ? record.grant.scopes : grantedScopes(user.role, requested);
    if (scopes.some((s) => !record.grant.scopes.includes(s))) {
      // RFC 6749 §6: a refresh may narrow the scope, never widen it.
      throw new OAuthError('invalid_scope', 'the requested scope exceeds the scope of the sign-in');
    }
    const held = permissionsOf(user.role);
    const grant: TokenGrant = {
      ...record.grant,
      role: user.role,
      desk: user.desk,
      scopes: scopes.filter((s) => held.includes(s)),
    };
    return this.issueWithRefresh(grant, record.expiresAt);
  }

  private async issueWithRefresh(grant: TokenGrant, familyExpiresAt: number): Promise<TokenResponse> {
    const access = await this.issuer.issue(grant);
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`;
    await this.store.saveRefresh(
      refreshTokenHash(refreshToken),
      { familyId: grant.sessionId!, grant, expiresAt: familyExpiresAt },
      this.nowSeconds(),
    );
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      scope: grant.scopes.join(' '),
    };
  }

  /** client_secret_basic or client_secret_post, never both (RFC 6749 §2.3). */
  private async authenticateClient(req: OAuthRequest): Promise<ClientIdentity> {
    const postId = single(req.params, 'client_id');
    const postSecret = single(req.params, 'client_secret');
    if (req.basic && (postId !== undefined || postSecret !== undefined)) {
      throw new OAuthError(
        'invalid_request',
        'send client credentials either in the body or with HTTP Basic, not both',
      );
    }
    const credentials =
      req.basic ?? (postId !== undefined ? { clientId: postId, secret: postSecret ?? '' } : undefined);
    if (!credentials) throw new OAuthError('invalid_client', 'client authentication is required');
    const client = await this.directory.authenticateClient(credentials.clientId, credentials.secret);
    if (!client)
      throw new OAuthError('invalid_client', 'client authentication failed', req.basic !== undefined);
    return client;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }
}

/** The scope of a new token: what was asked for, all of it held by the role; nothing asked = all held. */
function grantedScopes(role: Role, requested: string | undefined): Permission[] {
  const held = permissionsOf(role);
  if (requested === undefined || requested.trim() === '') return held;
  const asked = [...new Set(requested.trim().split(/ +/))];
  const refused = asked.filter((s) => !isPermission(s) || !held.includes(s));
  if (refused.length) {
    throw new OAuthError('invalid_scope', `role ${role} cannot be granted: ${refused.join(', ')}`);
  }
  return held.filter((p) => asked.includes(p));
}

/** RFC 6749 §3.2: parameters must not be repeated. */
function single(params: FormParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new OAuthError('invalid_request', `parameter ${name} is repeated`);
}

function required(params: FormParams, name: string): string {
  const value = single(params, name);
  if (value === undefined || value === '') throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}
