// Shared by the tests: three instruments with different scales and an engine around them.
import { parseFixed } from '@tapeline/fixed-point';
import { PreTradeRiskEngine } from './engine';
import type { RiskInstrument } from './instruments';
import type { RiskActor, RiskOrder } from './model';

export const AAPL: RiskInstrument = {
  instrumentId: 'AAPL.XNAS',
  assetClass: 'EQUITY',
  priceScale: 2,
  sizeScale: 0,
  multiplier: parseFixed('1'),
};
export const ES: RiskInstrument = {
  instrumentId: 'ESZ6.XCME',
  assetClass: 'FUTURE',
  priceScale: 2,
  sizeScale: 0,
  multiplier: parseFixed('50'),
};
export const BTC: RiskInstrument = {
  instrumentId: 'BTC-USDT.BINANCE',
  assetClass: 'CRYPTO_SPOT',
  priceScale: 2,
  sizeScale: 5,
  multiplier: parseFixed('1'),
};

export const RISK_OFFICER: RiskActor = {
  userId: 'ro-1',
  clientId: 'risk-console',
  desk: 'RISK',
  role: 'risk_officer',
};

/** An engine (money scale 4) knowing the three instruments, AAPL referenced at 200.00. */
export function newEngine(): PreTradeRiskEngine {
  const engine = new PreTradeRiskEngine();
  for (const i of [AAPL, ES, BTC]) engine.addInstrument(i);
  engine.setReferencePrice(AAPL.instrumentId, 200_00n);
  return engine;
}

let nextId = 0;
/** A limit order of account A1 (desk EQ) buying 1 AAPL at 200.00 unless overridden. */
export function order(overrides: Partial<RiskOrder> = {}): RiskOrder {
  return {
    orderId: `ord-${++nextId}`,
    accountId: 'A1',
    desk: 'EQ',
    instrumentId: AAPL.instrumentId,
    side: 'BUY',
    ordType: 'LIMIT',
    quantity: 1n,
    price: 200_00n,
    ...overrides,
  };
}
