import { specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GraphqlAuthContext } from '../auth/graphql-auth';
import { apiError } from './errors';
import { queryLimitsCheck, type QueryLimits } from './query-limits';
import type { RateLimit, RateLimiter } from './rate-limit';

/** What the hooks read of mercurius's context (HTTP: reply; WebSocket: the upgrade request). */
interface HookContext extends Partial<GraphqlAuthContext> {
  reply?: { request: { ip: string }; header(name: string, value: string): unknown };
  request?: { ip: string };
}

export interface ApiGuards {
  limiter: RateLimiter;
  rate: RateLimit;
  limits: QueryLimits;
}

/**
 * The mercurius hooks that protect the API before anything resolves: a rate limit per client
 * (token subject, or address without a valid token) on every operation, over HTTP and WebSocket;
 * the depth and cost limits; and validation of subscription documents, which mercurius would
 * otherwise execute unvalidated.
 */
export function apiHooks({ limiter, rate, limits }: ApiGuards) {
  const checkLimits = queryLimitsCheck(limits);
  const rateLimit = async (context: HookContext): Promise<void> => {
    const auth = context.authentication ? await context.authentication() : undefined;
    const key = auth?.ok
      ? `sub:${auth.principal.subject}`
      : `ip:${context.reply?.request.ip ?? context.request?.ip ?? 'unknown'}`;
    const decision = await limiter.take(key);
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    context.reply?.header('retry-after', String(seconds));
    throw apiError(
      'RATE_LIMITED',
      `rate limit of ${rate.perSecond} requests/s (burst ${rate.burst}) exceeded; retry after ${seconds} s`,
      { retryAfterSeconds: seconds },
    );
  };
  return {
    preParsing: (_schema: GraphQLSchema, _source: string, context: HookContext) => rateLimit(context),
    preExecution: (
      schema: GraphQLSchema,
      document: DocumentNode,
      _context: HookContext,
      variables?: Record<string, unknown>,
    ) => {
      checkLimits(schema, document, variables);
      return Promise.resolve();
    },
    preSubscriptionParsing: (_schema: GraphQLSchema, _source: string, context: HookContext) =>
      rateLimit(context),
    preSubscriptionExecution: (schema: GraphQLSchema, document: DocumentNode) => {
      const errors = validate(schema, document, specifiedRules);
      if (errors.length > 0) throw apiError('GRAPHQL_VALIDATION_FAILED', errors[0]!.message);
      checkLimits(schema, document);
      return Promise.resolve();
    },
  };
}
