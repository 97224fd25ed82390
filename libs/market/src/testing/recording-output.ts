import type { eventsV1 } from '@tapeline/contracts';
import { InstrumentMaster, parseSeed } from '@tapeline/instruments';
import type { AlertCandidate } from '../alerts';
import type { ResyncRequest } from '../book/book-builder';
import type { MarketOutput } from '../feed-handler';
import { InstrumentMasterResolver } from '../instrument-resolver';

/** A MarketOutput that keeps everything it is given, for tests. */
export class RecordingOutput implements MarketOutput {
  readonly trades: eventsV1.TradeEvent[] = [];
  readonly quotes: eventsV1.QuoteEvent[] = [];
  readonly depths: eventsV1.DepthEvent[] = [];
  readonly alerts: AlertCandidate[] = [];
  readonly resyncs: ResyncRequest[] = [];

  trade(event: eventsV1.TradeEvent): void {
    this.trades.push(event);
  }
  quote(event: eventsV1.QuoteEvent): void {
    this.quotes.push(event);
  }
  depth(event: eventsV1.DepthEvent): void {
    this.depths.push(event);
  }
  alert(candidate: AlertCandidate): void {
    this.alerts.push(candidate);
  }
  resync(request: ResyncRequest): void {
    this.resyncs.push(request);
  }
}

/** A small instrument master: AAPL (tick 0.01, lot 1), ESZ6 (tick 0.25), BTC-USDT (lot 0.00001). */
export const TEST_SEED = `
instruments:
  - { id: AAPL.XNAS, symbol: AAPL, description: Apple, assetClass: EQUITY, venue: XNAS, currency: USD,
      priceScale: 2, sizeScale: 0, tickSize: '0.01', lotSize: '1', venueSymbols: { XNAS: AAPL, SIM: AAPL } }
  - { id: ESZ6.XCME, symbol: ESZ6, description: E-mini, assetClass: FUTURE, venue: XCME, currency: USD,
      priceScale: 2, sizeScale: 0, tickSize: '0.25', lotSize: '1', expiryDate: '2026-12-18',
      venueSymbols: { XCME: ESZ6, SIM: ESZ6 } }
  - { id: BTC-USDT.BINANCE, symbol: BTC-USDT, description: Bitcoin, assetClass: CRYPTO_SPOT, venue: BINANCE,
      currency: USDT, baseCurrency: BTC, priceScale: 2, sizeScale: 5, tickSize: '0.01', lotSize: '0.00001',
      venueSymbols: { BINANCE: BTCUSDT, SIM: BTC-USDT } }
`;

export function testResolver(): InstrumentMasterResolver {
  return new InstrumentMasterResolver(new InstrumentMaster(parseSeed(TEST_SEED, 'test seed')));
}

/** A clock that returns a fixed, settable time. */
export function fixedClock(start = 1_767_225_600_000_000n): { now: bigint; clock: () => bigint } {
  const state = { now: start, clock: () => state.now };
  return state;
}
