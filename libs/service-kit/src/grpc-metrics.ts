import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { tap, type Observable } from 'rxjs';
import type { Logger } from '@tapeline/telemetry';
import { RpcException } from '@nestjs/microservices';
import { status as GrpcStatus } from '@grpc/grpc-js';

/** grpc_server_handled_total and grpc_server_handling_seconds per method, as grpc-ecosystem names them. */
export class GrpcMetricsInterceptor implements NestInterceptor {
  private readonly handled: Counter<'grpc_method' | 'grpc_code'>;
  private readonly latency: Histogram<'grpc_method'>;

  constructor(
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed, by method and status code',
      labelNames: ['grpc_method', 'grpc_code'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'gRPC handler latency',
      labelNames: ['grpc_method'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const method = `${context.getClass().name}.${context.getHandler().name}`;
    const end = this.latency.startTimer({ grpc_method: method });
    return next.handle().pipe(
      tap({
        complete: () => this.done(method, 'OK', end()),
        error: (err: unknown) => {
          const payload = err instanceof RpcException ? err.getError() : err;
          const code =
            typeof payload === 'object' && payload && 'code' in payload
              ? (GrpcStatus[(payload as { code: number }).code] ?? 'UNKNOWN')
              : 'UNKNOWN';
          this.done(method, code, end());
        },
      }),
    );
  }

  private done(method: string, code: string, seconds: number): void {
    this.handled.inc({ grpc_method: method, grpc_code: code });
    this.logger.debug(
      { grpc_method: method, grpc_code: code, duration_ms: seconds * 1000 },
      'grpc call handled',
    );
  }
}
