import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger } from '@tapeline/telemetry';

/** Error codes the API returns in `extensions.code`; documented in services/gateway/README.md. */
export type ApiErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_STATE'
  | 'SERVICE_UNAVAILABLE'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'SLOW_CONSUMER'
  | 'INTERNAL';

/** Extensions besides `code` that an error may carry to the client (anything else is dropped). */
export interface ApiErrorDetails {
  /** BAD_USER_INPUT: the argument at fault. */
  argument?: string;
  /** QUERY_TOO_DEEP, QUERY_TOO_COMPLEX, TOO_MANY_SUBSCRIPTIONS: the limit and the value found. */
  limit?: number;
  value?: number;
  /** RATE_LIMITED: when to try again. */
  retryAfterSeconds?: number;
}
const DETAIL_KEYS = ['argument', 'limit', 'value', 'retryAfterSeconds'] as const;

export function apiError(code: ApiErrorCode, message: string, details: ApiErrorDetails = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

/** BAD_USER_INPUT naming the argument, e.g. badInput('first', 'must be between 1 and 1000, got 0'). */
export function badInput(argument: string, problem: string): GraphQLError {
  return apiError('BAD_USER_INPUT', `${argument} ${problem}`, { argument });
}

function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && 'details' in err && 'metadata' in err;
}

/**
 * Maps a failed gRPC call to an API error. Our services' own messages for NOT_FOUND and
 * INVALID_ARGUMENT are written for callers and pass through; anything else is described without
 * internal addresses or stack traces (those stay in the gateway's log).
 */
export function fromGrpcError(err: unknown, service: string, logger: Logger): GraphQLError {
  if (isServiceError(err)) {
    switch (err.code) {
      case GrpcStatus.NOT_FOUND:
        return apiError('NOT_FOUND', err.details);
      case GrpcStatus.INVALID_ARGUMENT:
      case GrpcStatus.OUT_OF_RANGE:
        return apiError('BAD_USER_INPUT', err.details);
      case GrpcStatus.ALREADY_EXISTS:
        // e.g. a ClOrdID reused for a different order.
        return apiError('CONFLICT', err.details);
      case GrpcStatus.FAILED_PRECONDITION:
        // The thing is not in a state that allows the request (an order already Filled, an inactive
        // instrument); the message names the state.
        return apiError('INVALID_STATE', err.details);
      case GrpcStatus.UNAVAILABLE:
      case GrpcStatus.DEADLINE_EXCEEDED:
        logger.warn({ service, code: err.code, details: err.details }, 'upstream unavailable');
        return apiError('SERVICE_UNAVAILABLE', `the ${service} service is unavailable, try again`);
      case GrpcStatus.UNIMPLEMENTED:
        // A service of the mesh that does not serve this call yet (rolling upgrade, or not built).
        logger.warn({ service, details: err.details }, 'upstream does not implement the call');
        return apiError('SERVICE_UNAVAILABLE', `the ${service} service does not answer this yet`);
    }
  }
  logger.error({ service, err }, 'upstream call failed');
  return apiError('INTERNAL', 'internal error');
}

interface FormattedError {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions: { code: ApiErrorCode } & Record<string, unknown>;
}

/**
 * mercurius errorFormatter: every error leaves with an `extensions.code`; parse and validation
 * errors are told apart; an error we did not raise on purpose is logged and sent as INTERNAL.
 */
export function formatGraphqlErrors(
  execution: ExecutionResult & { errors: readonly GraphQLError[]; statusCode?: number },
  logger: Logger,
): { statusCode: number; response: { data: ExecutionResult['data']; errors: FormattedError[] } } {
  const errors: FormattedError[] = [];
  for (const error of execution.errors) {
    const original = error.originalError as
      (Error & { errors?: GraphQLError[]; extensions?: { code?: string } }) | undefined;
    // mercurius wraps a batch of validation errors in one MER_ERR_GQL_VALIDATION error.
    const inner = original?.errors && Array.isArray(original.errors) ? original.errors : [error];
    for (const e of inner) errors.push(formatOne(e, logger));
  }
  const statusCode = execution.data
    ? 200
    : errors.some((e) => e.extensions.code === 'RATE_LIMITED')
      ? 429
      : (execution.statusCode ?? (errors.every(isClientError) ? 400 : 200));
  return { statusCode, response: { data: execution.data ?? null, errors } };
}

const REJECTED_DOCUMENT = new Set<string>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COMPLEX',
]);
function isClientError(e: FormattedError): boolean {
  return REJECTED_DOCUMENT.has(e.extensions.code);
}

function formatOne(error: GraphQLError, logger: Logger): FormattedError {
  const base = { locations: error.locations, path: error.path };
  const extensions = error.extensions?.code
    ? error.extensions
    : (error.originalError as GraphQLError | undefined)?.extensions;
  const code = extensions?.code as ApiErrorCode | undefined;
  if (code && code !== 'INTERNAL') {
    const out: FormattedError['extensions'] = { code };
    for (const key of DETAIL_KEYS) if (extensions?.[key] !== undefined) out[key] = extensions[key];
    return { ...base, message: error.message, extensions: out };
  }
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) {
    // Raised by graphql-js itself while parsing or validating the document.
    const parse = error.message.startsWith('Syntax Error');
    return {
      ...base,
      message: error.message,
      extensions: { code: parse ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED' },
    };
  }
  logger.error({ err: original, path: error.path }, 'unexpected error while resolving');
  return { ...base, message: 'internal error', extensions: { code: 'INTERNAL' } };
}

/**
 * API errors raised on purpose are answers, not faults: hand them to the error formatter as they
 * are, instead of letting Nest log each NOT_FOUND as an error.
 */
@Catch(GraphQLError)
export class ApiErrorFilter implements GqlExceptionFilter {
  catch(exception: GraphQLError): GraphQLError {
    return exception;
  }
}
