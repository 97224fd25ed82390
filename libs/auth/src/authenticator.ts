import { TokenError, TokenStateUnavailableError, type TokenErrorCode } from './errors';
import type { Principal } from './principal';
import type { TokenStateStore } from './token-state';
import { systemClock, type AccessTokenVerifier, type Clock } from './tokens';

/** The outcome of authenticating one request or connection: a principal, or a typed refusal. */
export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      /** UNAUTHENTICATED: no usable token. SERVICE_UNAVAILABLE: revocation state could not be checked. */
      readonly code: 'UNAUTHENTICATED' | 'SERVICE_UNAVAILABLE';
      readonly reason: TokenErrorCode | 'TOKEN_STATE_UNAVAILABLE';
      readonly message: string;
    };

const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Bearer-token authentication (RFC 6750) shared by GraphQL over HTTP and the WebSocket
 * connection_init: verify the JWT, then ask the state store whether it (or its sign-in) was revoked.
 */
export class BearerAuthenticator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    /** Absent with an external OIDC issuer: its tokens are revoked at the provider. */
    private readonly store: TokenStateStore | undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  /** `header` is the Authorization header value, as sent. */
  async authenticate(header: string | undefined): Promise<Authentication> {
    if (header === undefined || header.trim() === '') {
      return refuse(
        new TokenError('TOKEN_MISSING', 'no bearer token: send Authorization: Bearer <access token>'),
      );
    }
    const m = BEARER_RE.exec(header.trim());
    if (!m)
      return refuse(
        new TokenError('TOKEN_MALFORMED', 'the Authorization header must be "Bearer <access token>"'),
      );
    try {
      const principal = await this.verifier.verify(m[1]!);
      if (
        this.store &&
        (await this.store.isAccessTokenRevoked(
          principal.tokenId,
          principal.sessionId,
          Math.floor(this.clock() / 1000),
        ))
      ) {
        return refuse(new TokenError('TOKEN_REVOKED', 'the token has been revoked'));
      }
      return { ok: true, principal };
    } catch (err) {
      if (err instanceof TokenError) return refuse(err);
      if (err instanceof TokenStateUnavailableError) {
        return {
          ok: false,
          code: 'SERVICE_UNAVAILABLE',
          reason: 'TOKEN_STATE_UNAVAILABLE',
          message: 'authentication is unavailable, try again',
        };
      }
      throw err;
    }
  }

  /**
   * graphql-transport-ws: the client authenticates in the connection_init payload,
   * `{ "authorization": "Bearer <access token>" }`. The subscription layer calls this once per
   * connection and closes it (4403) on a refusal.
   */
  authenticateConnectionInit(payload: unknown): Promise<Authentication> {
    const fields =
      typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
    const header = fields.authorization ?? fields.Authorization;
    return this.authenticate(typeof header === 'string' ? header : undefined);
  }
}

function refuse(err: TokenError): Authentication {
  return { ok: false, code: 'UNAUTHENTICATED', reason: err.code, message: err.message };
}
