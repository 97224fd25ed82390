// One realistic event per topic, every field set (so a round trip can compare whole objects).
import type { TopicName, TopicPayloads } from '../topics';

export function quote(instrumentId: string, sequence: number, venue = 'XNAS'): TopicPayloads['quotes'] {
  return {
    instrumentId,
    venue,
    sequence: String(sequence),
    priceScale: 4,
    sizeScale: 0,
    bidPrice: String(1_892_300 + (sequence % 100)),
    bidSize: '300',
    askPrice: String(1_892_500 + (sequence % 100)),
    askSize: '200',
    exchangeTimeMicros: '1714566896123456',
    receiveTimeMicros: '1714566896123501',
    publishTimeMicros: '1714566896123530',
  };
}

export const SAMPLES: { [T in TopicName]: TopicPayloads[T] } = {
  quotes: quote('AAPL.XNAS', 42),
  trades: {
    instrumentId: 'MSFT.XNAS',
    venue: 'XNAS',
    sequence: '9007199254740993', // beyond 2^53: int64 must survive as a string
    tradeId: 'T-77',
    priceScale: 2,
    sizeScale: 0,
    price: '41210',
    size: '150',
    aggressorSide: 1,
    exchangeTimeMicros: '1714566896000001',
    receiveTimeMicros: '1714566896000010',
    publishTimeMicros: '1714566896000020',
  },
  depth: {
    instrumentId: 'ESM4.XCME',
    venue: 'XCME',
    sequence: '1001',
    previousSequence: '1000',
    kind: 2,
    priceScale: 2,
    sizeScale: 0,
    bids: [
      { price: '527525', size: '12' },
      { price: '527500', size: '0' },
    ],
    asks: [{ price: '527550', size: '7' }],
    exchangeTimeMicros: '1714566896000100',
    receiveTimeMicros: '1714566896000110',
    publishTimeMicros: '1714566896000120',
  },
  alerts: {
    alertId: 'A-1',
    kind: 6,
    severity: 2,
    instrumentId: 'EURUSD.FX',
    venue: 'SIM',
    message: 'sequence gap: expected 11, got 14',
    attributes: { expected: '11', got: '14' },
    source: 'market-data',
    raisedAtMicros: '1714566896000200',
  },
  bars: {
    instrumentId: 'AAPL.XNAS',
    barType: '1m',
    openTimeMicros: '1714566840000000',
    closeTimeMicros: '1714566900000000',
    priceScale: 4,
    sizeScale: 0,
    open: '1892300',
    high: '1893100',
    low: '1891800',
    close: '1892900',
    volume: '125000',
    buyVolume: '70000',
    sellVolume: '55000',
    tradeCount: 812,
    vwap: '1892511',
    closed: true,
    footprint: [
      {
        price: '1892500',
        bidVolume: '30000',
        askVolume: '45000',
        bidTrades: 190,
        askTrades: 240,
        askImbalance: false,
        bidImbalance: false,
      },
    ],
    pocPrice: '1892500',
  },
  orders: {
    orderId: 'O-1',
    clOrdId: 'C-1',
    origClOrdId: '',
    accountId: 'ACC-7',
    desk: 'equities',
    instrumentId: 'AAPL.XNAS',
    side: 1,
    ordType: 2,
    timeInForce: 1,
    ordStatus: 1,
    priceScale: 4,
    sizeScale: 0,
    price: '1892000',
    stopPrice: '0',
    orderQty: '500',
    cumQty: '100',
    leavesQty: '400',
    avgPx: '1891950',
    transactTimeMicros: '1714566896000300',
    expireTimeMicros: '0',
    text: '',
    version: '3',
  },
  executions: {
    execId: 'E-1',
    orderId: 'O-1',
    clOrdId: 'C-1',
    accountId: 'ACC-7',
    instrumentId: 'AAPL.XNAS',
    venue: 'SIM',
    execType: 2,
    ordStatus: 1,
    side: 1,
    priceScale: 4,
    sizeScale: 0,
    lastQty: '100',
    lastPx: '1891950',
    cumQty: '100',
    leavesQty: '400',
    avgPx: '1891950',
    transactTimeMicros: '1714566896000400',
    text: 'partial',
  },
  journal: {
    sequence: '17',
    entryId: 'J-17',
    recordedAtMicros: '1714566896000500',
    actor: { userId: 'u-1', clientId: 'desk-app', desk: 'equities', role: 'trader' },
    requestId: 'req-9',
    kind: 'order.state',
    instrumentId: 'AAPL.XNAS',
    accountId: 'ACC-7',
    subjectId: 'O-1',
    beforeState: '{"status":"NEW"}',
    afterState: '{"status":"PARTIALLY_FILLED"}',
    prevHash: new Uint8Array([1, 2, 3, 4]),
    hash: new Uint8Array([5, 6, 7, 8]),
  },
};

export const EXPECTED_KEY: { [T in TopicName]: string } = {
  quotes: 'AAPL.XNAS',
  trades: 'MSFT.XNAS',
  depth: 'ESM4.XCME',
  alerts: 'EURUSD.FX',
  bars: 'AAPL.XNAS',
  orders: 'ACC-7',
  executions: 'ACC-7',
  journal: 'ACC-7',
};

export const SCHEMA: { [T in TopicName]: string } = {
  quotes: 'tapeline.events.v1.QuoteEvent',
  trades: 'tapeline.events.v1.TradeEvent',
  depth: 'tapeline.events.v1.DepthEvent',
  alerts: 'tapeline.events.v1.AlertEvent',
  bars: 'tapeline.events.v1.BarEvent',
  orders: 'tapeline.events.v1.OrderEvent',
  executions: 'tapeline.events.v1.ExecutionEvent',
  journal: 'tapeline.events.v1.JournalEntry',
};

/** Buffers/Uint8Arrays become plain arrays so decoded and sent messages compare equal. */
export function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Array.from(value) };
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
    return out;
  }
  return value;
}
