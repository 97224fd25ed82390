import { status } from '@grpc/grpc-js';
import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from '@tapeline/telemetry';

/** A gRPC error with a status code and a message meant for the caller. */
export function grpcError(code: status, message: string): RpcException {
  return new RpcException({ code, message });
}
export const invalidArgument = (message: string): RpcException => grpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string): RpcException => grpcError(status.NOT_FOUND, message);
export const unavailable = (message: string): RpcException => grpcError(status.UNAVAILABLE, message);

/**
 * Last line of defence of every gRPC handler: typed errors pass through as they are; anything
 * else is logged with its stack here and reaches the caller as INTERNAL without internals.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown): Observable<never> {
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (typeof error === 'object' && error !== null && 'code' in error) return throwError(() => error);
    }
    this.logger.error({ err: exception }, 'unhandled error in gRPC handler');
    return throwError(() => ({ code: status.INTERNAL, message: 'internal error' }));
  }
}
