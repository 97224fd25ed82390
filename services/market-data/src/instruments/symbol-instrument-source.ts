import { Inject, Injectable } from '@nestjs/common';
import type { Instrument } from '@tapeline/instruments';
import { listAllInstruments, type ClientGrpc } from '@tapeline/service-kit';
import { instrumentFromProto } from './instrument-catalog';

export const SYMBOL_CLIENT = Symbol('symbol-grpc-client');

/** Reads the symbol service's whole instrument master. */
@Injectable()
export class SymbolInstrumentSource {
  constructor(@Inject(SYMBOL_CLIENT) private readonly client: ClientGrpc) {}

  async loadAll(): Promise<Instrument[]> {
    return (await listAllInstruments(this.client)).map(instrumentFromProto);
  }
}
