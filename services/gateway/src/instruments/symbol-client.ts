import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { lastValueFrom, type Observable } from 'rxjs';
import { symbolV1 } from '@tapeline/contracts';
import { LOGGER, type ClientGrpc } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import { fromGrpcError } from '../graphql/errors';

export const SYMBOL_CLIENT = Symbol('symbol-grpc-client');
export const GRPC_DEADLINE_MS = Symbol('grpc-deadline-ms');

type UnaryCall<Req, Res> = (req: Req, metadata: Metadata, options: { deadline: Date }) => Observable<Res>;

/** The symbol service as the gateway sees it: promises, a deadline per call, API-shaped errors. */
@Injectable()
export class SymbolClient implements OnModuleInit {
  private service!: symbolV1.SymbolServiceClient;

  constructor(
    @Inject(SYMBOL_CLIENT) private readonly client: ClientGrpc,
    @Inject(GRPC_DEADLINE_MS) private readonly deadlineMs: number,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.service = this.client.getService<symbolV1.SymbolServiceClient>(symbolV1.SYMBOL_SERVICE_NAME);
  }

  listInstruments(req: symbolV1.ListInstrumentsRequest): Promise<symbolV1.ListInstrumentsResponse> {
    return this.call(
      this.service.listInstruments.bind(this.service) as UnaryCall<
        typeof req,
        symbolV1.ListInstrumentsResponse
      >,
      req,
    );
  }

  getInstrument(req: symbolV1.GetInstrumentRequest): Promise<symbolV1.GetInstrumentResponse> {
    return this.call(
      this.service.getInstrument.bind(this.service) as UnaryCall<typeof req, symbolV1.GetInstrumentResponse>,
      req,
    );
  }

  private async call<Req, Res>(method: UnaryCall<Req, Res>, req: Req): Promise<Res> {
    try {
      return await lastValueFrom(
        method(req, new Metadata(), { deadline: new Date(Date.now() + this.deadlineMs) }),
      );
    } catch (err) {
      throw fromGrpcError(err, 'symbol', this.logger);
    }
  }
}
