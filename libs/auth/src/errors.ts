/** Why a bearer token was refused. Messages are safe to show the caller. */
export type TokenErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_REVOKED'
  | 'TOKEN_INVALID';

export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 6749 §5.2 (and RFC 7009 §2.2.1) error codes the token and revocation endpoints answer with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    /** Set when the client authenticated with HTTP Basic: the 401 then carries WWW-Authenticate. */
    readonly basicChallenge = false,
  ) {
    super(`${code}: ${description}`);
  }

  /** RFC 6749 §5.2: invalid_client is 401, every other error 400. */
  get status(): 400 | 401 {
    return this.code === 'invalid_client' ? 401 : 400;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** A clients/users file with problems; every problem of the file is listed. */
export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError';
  readonly code = 'IDENTITY_FILE_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export type KeyRingErrorCode = 'NO_SIGNING_KEY' | 'KEY_FILE_INVALID';

export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
  constructor(
    readonly code: KeyRingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The refresh-token / revocation store did not answer (Redis down): callers fail closed. */
export class TokenStateUnavailableError extends Error {
  override readonly name = 'TokenStateUnavailableError';
  readonly code = 'TOKEN_STATE_UNAVAILABLE';
  constructor(readonly reason: string) {
    super(`token state store unavailable: ${reason}`);
  }
}
