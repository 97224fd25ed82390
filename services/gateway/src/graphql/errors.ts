import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger } from '@tapeline/telemetry';

/** Error codes the API returns in `extensions.code`; documented in docs/api/errors.md. */
export type ApiErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'SERVICE_UNAVAILABLE'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'INTERNAL';

export function apiError(code: ApiErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
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
      case GrpcStatus.UNAVAILABLE:
      case GrpcStatus.DEADLINE_EXCEEDED:
        logger.warn({ service, code: err.code, details: err.details }, 'upstream unavailable');
        return apiError('SERVICE_UNAVAILABLE', `the ${service} service is unavailable, try again`);
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
    : (execution.statusCode ?? (errors.every(isClientError) ? 400 : 200));
  return { statusCode, response: { data: execution.data ?? null, errors } };
}

function isClientError(e: FormattedError): boolean {
  return e.extensions.code === 'GRAPHQL_PARSE_FAILED' || e.extensions.code === 'GRAPHQL_VALIDATION_FAILED';
}

function formatOne(error: GraphQLError, logger: Logger): FormattedError {
  const base = { locations: error.locations, path: error.path };
  const code = (error.extensions?.code ??
    (error.originalError as GraphQLError | undefined)?.extensions?.code) as ApiErrorCode | undefined;
  if (code && code !== 'INTERNAL') {
    return { ...base, message: error.message, extensions: { code } };
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
