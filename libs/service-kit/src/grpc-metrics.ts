import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { tap, type Observable } from 'rxjs';

/** grpc_server_handled_total and grpc_server_handling_seconds per method, as grpc-ecosystem names them. */
export class GrpcMetricsInterceptor implements NestInterceptor {
  private readonly handled: Counter<'grpc_method' | 'grpc_code'>;
  private readonly latency: Histogram<'grpc_method'>;

  constructor(registry: Registry) {
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
        complete: () => {
          end();
          this.handled.inc({ grpc_method: method, grpc_code: 'OK' });
        },
        error: (err: unknown) => {
          end();
          const code = typeof err === 'object' && err && 'code' in err ? String((err as { code: unknown }).code) : 'UNKNOWN';
          this.handled.inc({ grpc_method: method, grpc_code: code });
        },
      }),
    );
  }
}
