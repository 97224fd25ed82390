import type { JournalActor } from '@tapeline/journal';

export type Side = 'BUY' | 'SELL';
export type OrdType = 'LIMIT' | 'MARKET';

/**
 * An order as the oms asks about it. Quantity is a mantissa at the instrument's size scale,
 * price at its price scale (absent for market orders). Both bigint: a notional of a large
 * quantity at a fine price scale overflows 2^53 long before it overflows a limit.
 */
export interface RiskOrder {
  /** ClOrdID: identifies the order when it is later filled, cancelled or must be cancelled. */
  readonly orderId: string;
  readonly accountId: string;
  readonly desk: string;
  readonly instrumentId: string;
  readonly side: Side;
  readonly ordType: OrdType;
  readonly quantity: bigint;
  readonly price?: bigint;
}

/** The controls, named as RTS 6 lists them. */
export const CONTROL_NAMES = [
  'KILL_SWITCH',
  'RESTRICTED_INSTRUMENT',
  'MESSAGE_THROTTLE',
  'DUPLICATE_ORDER',
  'MAX_ORDER_QUANTITY',
  'MAX_ORDER_VALUE',
  'PRICE_COLLAR',
  'POSITION_LIMIT',
  'CREDIT_LIMIT',
  'MAX_OPEN_ORDERS',
] as const;
export type ControlName = (typeof CONTROL_NAMES)[number];

export type RejectionUnit = 'quantity' | 'money' | 'price' | 'count' | 'flag';

/**
 * Why an order was refused. The numbers are decimal strings at their natural scale
 * (quantity: size scale, price: price scale, money: the engine's money scale):
 * `limit` is the configured bound, `requested` what this order asks for, `actual` the value the
 * check measured (current position, credit in use, messages in the window, reference price...).
 */
export interface Rejection {
  readonly control: ControlName;
  /** Where the limit came from: "global", "desk:EQ", "account:A1", "account:A1/instrument:X". */
  readonly source: string;
  readonly unit: RejectionUnit;
  readonly limit: string;
  readonly requested: string;
  readonly actual: string;
  readonly message: string;
}

export type RiskActor = JournalActor;

/** Actor of changes the engine makes on its own (daily loss limit tripping a kill switch). */
export const RISK_ENGINE_ACTOR: RiskActor = {
  userId: 'risk-engine',
  clientId: 'risk',
  desk: '',
  role: 'system',
};
