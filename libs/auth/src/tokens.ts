import { randomUUID, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  jwtVerify,
  SignJWT,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { TokenError } from './errors';
import { SIGNING_ALG, type SigningKeyRing } from './key-ring';
import { isPermission, permissionsOf, type Permission } from './permissions';
import type { AuthMethod, Principal } from './principal';
import { DESK_RE, isRole, type Role } from './roles';

/** Epoch milliseconds; injected so that tests can move time. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

/** RFC 9068 media type of a JWT access token: stops an ID token or another JWT being used as one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  /** Accepted clock difference between issuer and verifier for exp and nbf. */
  readonly clockToleranceSeconds: number;
}

/** Whom an access token is for; the issuer adds the registered claims. */
export interface TokenGrant {
  readonly kind: 'client' | 'user';
  /** Client id or user name; becomes `sub`. */
  readonly subject: string;
  readonly role: Role;
  readonly desk: string;
  readonly scopes: readonly Permission[];
  readonly amr: readonly AuthMethod[];
  /** The sign-in (refresh-token family) the token belongs to; revoking it revokes the token too. */
  readonly sessionId?: string;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresIn: number;
  readonly expiresAt: number;
}

/** Signs access tokens with the ring's active key. */
export class AccessTokenIssuer {
  constructor(
    private readonly ring: SigningKeyRing,
    private readonly settings: TokenSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  async issue(grant: TokenGrant): Promise<IssuedAccessToken> {
    const key = this.ring.active();
    const now = Math.floor(this.clock() / 1000);
    const exp = now + this.settings.accessTokenTtlSeconds;
    const tokenId = randomUUID();
    const claims: JWTPayload = {
      role: grant.role,
      desk: grant.desk,
      scope: grant.scopes.join(' '),
      ...(grant.kind === 'client' ? { client_id: grant.subject } : { user_id: grant.subject }),
      ...(grant.amr.length ? { amr: [...grant.amr] } : {}),
      ...(grant.sessionId ? { sid: grant.sessionId } : {}),
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(grant.subject)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(tokenId)
      .sign(key.privateKey);
    return { token, tokenId, expiresIn: this.settings.accessTokenTtlSeconds, expiresAt: exp };
  }
}

/** Turns a bearer token into a principal, or throws TokenError. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** jose's failures, told apart for the caller without echoing token content. */
function tokenErrorFrom(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  const e = err as { code?: string; claim?: string; message?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new TokenError('TOKEN_EXPIRED', 'the token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return e.claim === 'nbf'
        ? new TokenError('TOKEN_NOT_YET_VALID', 'the token is not valid yet (nbf)')
        : new TokenError('TOKEN_INVALID', `the token's "${e.claim ?? 'unknown'}" claim is not acceptable`);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new TokenError('TOKEN_INVALID', 'the token is signed with an algorithm that is not accepted');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new TokenError('TOKEN_INVALID', 'the token signature does not verify');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new TokenError('TOKEN_INVALID', 'the token is signed by a key the issuer does not publish');
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new TokenError('TOKEN_INVALID', "the issuer's keys cannot be fetched");
    default:
      return new TokenError('TOKEN_MALFORMED', 'the token is not a well-formed JWT');
  }
}

/** A claim by its name (which may hold dots, e.g. a URL), else by a dot-separated path. */
function claimAt(payload: JWTPayload, claimPath: string): unknown {
  if (Object.hasOwn(payload, claimPath)) return payload[claimPath];
  let node: unknown = payload;
  for (const part of claimPath.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

interface ClaimNames {
  role: string;
  desk: string;
}

/** Role, desk and the rest read from verified claims; anything unusable is a refusal, never a default. */
function principalFrom(payload: JWTPayload, names: ClaimNames, ownScopes: boolean): Principal {
  const rawRole = claimAt(payload, names.role);
  // An IdP may send a list of roles (Keycloak realm roles): exactly one of ours must be among them.
  const roles = (Array.isArray(rawRole) ? rawRole : [rawRole]).filter(isRole);
  if (roles.length !== 1) {
    throw new TokenError('TOKEN_INVALID', `the token must carry exactly one known role in "${names.role}"`);
  }
  const role = roles[0]!;
  const desk = claimAt(payload, names.desk);
  if (typeof desk !== 'string' || !DESK_RE.test(desk)) {
    throw new TokenError('TOKEN_INVALID', `the token carries no valid desk in "${names.desk}"`);
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new TokenError('TOKEN_INVALID', 'the token has no subject');
  }
  const held = permissionsOf(role);
  let scopes: Permission[] = held;
  if (ownScopes) {
    if (typeof payload.scope !== 'string') throw new TokenError('TOKEN_INVALID', 'the token has no scope');
    const granted = payload.scope.split(' ').filter(isPermission);
    scopes = held.filter((p) => granted.includes(p));
  }
  const amr = Array.isArray(payload.amr)
    ? payload.amr.filter((m): m is AuthMethod => m === 'pwd' || m === 'otp')
    : [];
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
  const userId = typeof payload.user_id === 'string' ? payload.user_id : undefined;
  return {
    subject: payload.sub,
    kind: clientId !== undefined && userId === undefined ? 'client' : 'user',
    role,
    desk,
    scopes,
    ...(clientId !== undefined ? { clientId } : {}),
    ...(userId !== undefined || clientId === undefined ? { userId: userId ?? payload.sub } : {}),
    amr,
    tokenId: typeof payload.jti === 'string' ? payload.jti : '',
    ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
    expiresAt: payload.exp!,
  };
}

/** Verifies tokens of the built-in issuer against its key ring. */
export class LocalTokenVerifier implements AccessTokenVerifier {
  constructor(
    private readonly ring: SigningKeyRing,
    private readonly settings: TokenSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  async verify(token: string): Promise<Principal> {
    const now = this.clock();
    const key = (header: JWSHeaderParameters): KeyObject => {
      if (!header.kid) throw new TokenError('TOKEN_INVALID', 'the token names no key (kid)');
      const found = this.ring.verificationKey(header.kid, now);
      if (!found)
        throw new TokenError('TOKEN_INVALID', 'the token is signed by a key the issuer does not publish');
      return found;
    };
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALG],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['exp', 'iat', 'nbf', 'jti', 'sub'],
        clockTolerance: this.settings.clockToleranceSeconds,
        currentDate: new Date(now),
      });
      return principalFrom(payload, { role: 'role', desk: 'desk' }, true);
    } catch (err) {
      throw tokenErrorFrom(err);
    }
  }
}

/** An external OpenID Connect provider that issues the access tokens instead of the gateway. */
export interface OidcSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: string;
  /** Asymmetric algorithms only; ES256 unless the provider signs with something else. */
  readonly algorithms: readonly OidcAlgorithm[];
  /** Claim paths (dot-separated for nested claims, e.g. realm_access.roles). */
  readonly roleClaim: string;
  readonly deskClaim: string;
  readonly clockToleranceSeconds: number;
}

export const OIDC_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

export class OidcTokenVerifier implements AccessTokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly settings: OidcSettings,
    private readonly clock: Clock = systemClock,
    keys?: JWTVerifyGetKey,
  ) {
    // The remote set is cached and re-fetched when a token names an unknown kid (provider rotation).
    this.keys = keys ?? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 3000 });
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        algorithms: [...this.settings.algorithms],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.settings.clockToleranceSeconds,
        currentDate: new Date(this.clock()),
      });
      return principalFrom(payload, { role: this.settings.roleClaim, desk: this.settings.deskClaim }, false);
    } catch (err) {
      throw tokenErrorFrom(err);
    }
  }
}
