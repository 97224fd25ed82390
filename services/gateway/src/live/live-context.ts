import type { GraphqlAuthContext } from '../auth/graphql-auth';
import type { LiveConnection } from './live-subscriptions';

/** The GraphQL context of a WebSocket operation: authentication plus the connection's state. */
export interface LiveContext extends GraphqlAuthContext {
  /** Set for operations over WebSocket (from mercurius `subscription.context`). */
  connection?: LiveConnection;
}

/** Subscription `resolve`: each value the stream yields is the field's value as it is. */
export const asYielded = <T>(value: T): T => value;
