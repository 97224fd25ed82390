import { Inject, Injectable } from '@nestjs/common';
import { badInput } from '../graphql/errors';
import { SymbolClient } from './symbol-client';

/** Most instruments one subscription may name. */
export const MAX_INSTRUMENTS_PER_SUBSCRIPTION = 500;
const KNOWN_FOR_MS = 60_000;

/**
 * Checks instrument ids against the instrument master before a subscription is opened, so that a
 * typo is NOT_FOUND at once instead of a silent stream. Known ids are remembered for a minute:
 * a thousand subscribers to the same instruments cost the symbol service one call per instrument.
 */
@Injectable()
export class InstrumentDirectory {
  private readonly known = new Map<string, number>();

  constructor(@Inject(SymbolClient) private readonly symbols: SymbolClient) {}

  async requireKnown(instrumentIds: readonly string[], argument = 'instrumentIds'): Promise<string[]> {
    const ids = [...new Set(instrumentIds)];
    if (ids.length === 0 || ids.length > MAX_INSTRUMENTS_PER_SUBSCRIPTION) {
      throw badInput(
        argument,
        `must name 1 to ${MAX_INSTRUMENTS_PER_SUBSCRIPTION} instruments, got ${ids.length}`,
      );
    }
    const now = Date.now();
    await Promise.all(
      ids.map(async (id) => {
        if ((this.known.get(id) ?? 0) > now) return;
        await this.symbols.call('getInstrument', { instrumentId: id });
        this.known.set(id, now + KNOWN_FOR_MS);
      }),
    );
    return ids;
  }
}
