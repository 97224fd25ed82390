// Trades of the market (`trades` topic): the last price marks positions, and stops whose stop price
// it reaches are released to their venue (Trigger, then the venue's submit).
import type { eventsV1 } from '@tapeline/contracts';
import { rescale } from '@tapeline/fixed-point';
import type { Logger } from '@tapeline/telemetry';
import { OMS_ACTOR, type TradingContext } from './trading-context';

export class ReleaseStops {
  constructor(
    private readonly ctx: Pick<TradingContext, 'state' | 'recorder' | 'clock'>,
    private readonly logger: Logger,
  ) {}

  onTrade(trade: eventsV1.TradeEvent): void {
    const { state, recorder } = this.ctx;
    const scale = state.priceScaleOf(trade.instrumentId) ?? trade.priceScale;
    let lastPx: bigint;
    try {
      lastPx = rescale({ mantissa: BigInt(trade.price), scale: trade.priceScale }, scale).mantissa;
    } catch (err) {
      this.logger.warn(
        { err, instrumentId: trade.instrumentId },
        'trade price finer than the instrument: ignored',
      );
      return;
    }
    state.marks.set(trade.instrumentId, lastPx);
    for (const orderId of state.stops.onTrade(trade.instrumentId, lastPx)) {
      try {
        recorder.record(
          { type: 'Trigger', orderId, atMicros: this.ctx.clock(), lastPx },
          {
            actor: OMS_ACTOR,
            requestId: `trade:${trade.venue}:${trade.tradeId || trade.sequence}`,
            source: 'oms',
            command: { kind: 'submit' },
          },
        );
      } catch (err) {
        this.logger.error({ err, orderId }, 'stop could not be released');
      }
    }
  }
}
