import type { commonV1, eventsV1 } from '@tapeline/contracts';
import type { StoredBar, StoredFootprintLevel } from '../history/bar-store';

export const timestamp = (micros: number | string): commonV1.Timestamp => ({ unixMicros: String(micros) });

/** A stored closed bar and its footprint levels (lowest price first) as the bus event. */
export function storedBarToEvent(row: StoredBar, levels: readonly StoredFootprintLevel[]): eventsV1.BarEvent {
  return {
    instrumentId: row.instrument_id,
    barType: row.bar_type,
    openTimeMicros: row.open_us,
    closeTimeMicros: row.close_us,
    priceScale: row.price_scale,
    sizeScale: row.size_scale,
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
    buyVolume: row.buy_volume,
    sellVolume: row.sell_volume,
    tradeCount: row.trade_count,
    vwap: row.vwap,
    closed: true,
    footprint: levels.map((l) => ({
      price: l.price,
      bidVolume: l.bid_volume,
      askVolume: l.ask_volume,
      bidTrades: l.bid_trades,
      askTrades: l.ask_trades,
      askImbalance: l.ask_imbalance,
      bidImbalance: l.bid_imbalance,
    })),
    pocPrice: row.poc_price,
  };
}

/** Footprint rows grouped by their bar's open time. */
export function groupByBar(levels: readonly StoredFootprintLevel[]): Map<string, StoredFootprintLevel[]> {
  const out = new Map<string, StoredFootprintLevel[]>();
  for (const l of levels) {
    const list = out.get(l.open_us);
    if (list) list.push(l);
    else out.set(l.open_us, [l]);
  }
  return out;
}

/** Opaque ListBars cursor: the series it belongs to and the open time of the last bar returned. */
export function encodePageToken(instrumentId: string, barType: string, afterMicros: string): string {
  return Buffer.from(JSON.stringify([instrumentId, barType, afterMicros])).toString('base64url');
}

/** The open time after which the page starts, or null when the token is not one of this series. */
export function decodePageToken(token: string, instrumentId: string, barType: string): number | null {
  try {
    const [i, b, after] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (i !== instrumentId || b !== barType || typeof after !== 'string' || !/^\d+$/.test(after)) return null;
    return Number(after);
  } catch {
    return null;
  }
}
