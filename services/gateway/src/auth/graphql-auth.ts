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

/**
 * For the subscription layer (mercurius `subscription.onConnect`, graphql-transport-ws): checks the
 * token in the connection_init payload `{ authorization: "Bearer ..." }`. Resolves with the
 * context addition for the connection, or `false`, which makes mercurius refuse the connection.
 * Each subscription field is then checked by the permission guard like any other resolver.
 */
export function subscriptionOnConnect(authenticator: BearerAuthenticator) {
  return async ({ payload }: { payload: unknown }): Promise<GraphqlAuthContext | false> => {
    const outcome = await authenticator.authenticateConnectionInit(payload);
    if (!outcome.ok) return false;
    return { authentication: () => Promise.resolve(outcome), principal: outcome.principal };
  };
}
