import type { eventsV1 } from '@tapeline/contracts';
import type { PreTradeRiskEngine } from '@tapeline/risk-checks';
import type { PriceHistory } from './price-history';

export type QuoteOutcome = 'applied' | 'unknown_instrument' | 'no_price' | 'scale_mismatch';

/**
 * Marks from quotes: the mid (or the one side quoted) becomes the engine's reference price for the
 * price collar and market orders, the mark for P&L, and a point of the VaR price history.
 */
export class MarkBook {
  readonly marks = new Map<string, bigint>();

  constructor(
    private readonly engine: PreTradeRiskEngine,
    readonly history: PriceHistory,
  ) {}

  onQuote(q: eventsV1.QuoteEvent): QuoteOutcome {
    const instrument = this.engine.instruments.find(q.instrumentId);
    if (instrument === undefined) return 'unknown_instrument';
    if (q.priceScale !== instrument.priceScale) return 'scale_mismatch';
    const bid = BigInt(q.bidPrice);
    const ask = BigInt(q.askPrice);
    // Half a tick rounds up: the mid of 100.00/100.01 is 100.01 at the price scale.
    const mid = bid > 0n && ask > 0n ? (bid + ask + 1n) / 2n : bid > 0n ? bid : ask;
    if (mid <= 0n) return 'no_price';
    this.engine.setReferencePrice(q.instrumentId, mid);
    this.marks.set(q.instrumentId, mid);
    const at = Number(q.exchangeTimeMicros) || Number(q.receiveTimeMicros) || Number(q.publishTimeMicros);
    this.history.record(q.instrumentId, mid, at);
    return 'applied';
  }
}
