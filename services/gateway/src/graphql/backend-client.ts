import { Metadata } from '@grpc/grpc-js';
import { Module, type DynamicModule } from '@nestjs/common';
import { lastValueFrom, type Observable } from 'rxjs';
import { SERVICE_CONTRACTS, type ServiceName } from '@tapeline/contracts';
import { grpcClientModule, LOGGER, type ClientGrpc } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import { fromGrpcError } from './errors';

/* eslint-disable @typescript-eslint/no-explicit-any -- method signatures are matched structurally */
type RequestOf<M> = M extends (req: infer Req, ...rest: any[]) => Observable<any> ? Req : never;
type ResponseOf<M> = M extends (...args: any[]) => Observable<infer Res> ? Res : never;
type UnaryCall = (req: unknown, metadata: Metadata, options: { deadline: Date }) => Observable<unknown>;
type StreamCall = (req: unknown) => Observable<unknown>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * One backend service as the gateway sees it: promises, a deadline on every call, and API-shaped
 * errors (SERVICE_UNAVAILABLE when the service is down or does not serve the call, never a hang).
 * `S` is the ts-proto NestJS client interface, e.g. marketDataV1.MarketDataServiceClient.
 */
export class BackendClient<S extends object> {
  private service: S | undefined;

  constructor(
    /** The service's name for errors and logs, e.g. "market-data". */
    readonly label: string,
    private readonly grpc: ClientGrpc,
    private readonly serviceName: string,
    private readonly deadlineMs: number,
    private readonly logger: Logger,
  ) {}

  async call<K extends keyof S & string>(method: K, req: RequestOf<S[K]>): Promise<ResponseOf<S[K]>> {
    this.service ??= this.grpc.getService<S>(this.serviceName);
    const fn = (this.service[method] as UnaryCall).bind(this.service);
    try {
      return (await lastValueFrom(
        fn(req, new Metadata(), { deadline: new Date(Date.now() + this.deadlineMs) }),
      )) as ResponseOf<S[K]>;
    } catch (err) {
      throw fromGrpcError(err, this.label, this.logger);
    }
  }

  /** A server stream, without a deadline: it lasts until the caller unsubscribes or it fails. */
  stream<K extends keyof S & string>(method: K, req: RequestOf<S[K]>): Observable<ResponseOf<S[K]>> {
    this.service ??= this.grpc.getService<S>(this.serviceName);
    return (this.service[method] as StreamCall).call(this.service, req) as Observable<ResponseOf<S[K]>>;
  }
}

/**
 * A Nest module providing one backend client class (and its gRPC channel) for the resolvers:
 * backendModule(MarketDataClient, 'market-data', config.marketDataAddr, config.grpcDeadlineMs).
 */
export function backendModule<C extends BackendClient<object>>(
  client: new (...args: ConstructorParameters<typeof BackendClient>) => C,
  service: ServiceName,
  address: string,
  deadlineMs: number,
): DynamicModule {
  const channel = Symbol(`${service}-grpc-channel`);
  @Module({})
  class BackendModule {}
  return {
    module: BackendModule,
    imports: [grpcClientModule(channel, service, address)],
    providers: [
      {
        provide: client,
        useFactory: (grpc: ClientGrpc, logger: Logger) =>
          new client(service, grpc, SERVICE_CONTRACTS[service].service, deadlineMs, logger),
        inject: [channel, LOGGER],
      },
    ],
    exports: [client],
  };
}
