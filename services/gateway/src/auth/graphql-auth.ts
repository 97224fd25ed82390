import type { Authentication, BearerAuthenticator, Principal } from '@tapeline/auth';

/** What the GraphQL context carries for authentication; the guard reads it per field. */
export interface GraphqlAuthContext {
  /** Authenticates the request once, on first use, and remembers the outcome. */
  authentication(): Promise<Authentication>;
  /** Set by the permission guard once a field was allowed. */
  principal?: Principal;
}

/**
 * mercurius `context` for GraphQL over HTTP: the Authorization header is verified lazily, so a
 * document that fails to parse costs no signature check.
 */
export function graphqlAuthContext(authenticator: BearerAuthenticator) {
  return (request: { headers: Record<string, string | string[] | undefined> }): GraphqlAuthContext => {
    let outcome: Promise<Authentication> | undefined;
    const header = request.headers.authorization;
    return {
      authentication: () =>
        (outcome ??= authenticator.authenticate(typeof header === 'string' ? header : undefined)),
    };
  };
}

/** graphql-transport-ws: "Forbidden", the close a server answers a refused connection_init with. */
export const FORBIDDEN_CLOSE_CODE = 4403;

/** What mercurius calls onConnect on (its SubscriptionConnection): we only need its socket. */
interface SubscriptionConnectionLike {
  readonly socket?: { close(code?: number, reason?: string): void };
}

/**
 * For the subscription layer (mercurius `subscription.onConnect`, graphql-transport-ws): checks the
 * token in the connection_init payload `{ authorization: "Bearer ..." }`. Resolves with the
 * context addition for the connection, or `false` to refuse it. Each subscription field is then
 * checked by the permission guard like any other resolver.
 *
 * On its own mercurius answers `false` with a `connection_error` message (not a graphql-transport-ws
 * message) and a close without a code. The protocol's answer is a close with 4403 Forbidden, so the
 * socket is closed here first, with the reason (TOKEN_MISSING, TOKEN_EXPIRED, ...); mercurius's
 * message then finds the socket closing and is not sent. mercurius calls onConnect as a method of
 * its connection object, which is how the socket is reached (hence `function`, not an arrow).
 */
export function subscriptionOnConnect(authenticator: BearerAuthenticator) {
  return async function onConnect(
    this: SubscriptionConnectionLike | void,
    { payload }: { payload: unknown },
  ): Promise<GraphqlAuthContext | false> {
    const outcome = await authenticator.authenticateConnectionInit(payload);
    if (!outcome.ok) {
      // The close reason is at most 123 bytes: the code alone, never the token.
      (this as SubscriptionConnectionLike | undefined)?.socket?.close(
        FORBIDDEN_CLOSE_CODE,
        `Forbidden: ${outcome.reason}`,
      );
      return false;
    }
    return { authentication: () => Promise.resolve(outcome), principal: outcome.principal };
  };
}
