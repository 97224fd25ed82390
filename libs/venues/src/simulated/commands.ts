// Everything that changes a simulated venue's books is one of these commands, with the time it
// happened. Applying the same commands in the same order to a fresh venue rebuilds the same books
// and produces the same events (same ExecIDs): that is how the oms recovers the venue after a crash.
import type { BookSnapshot } from '@tapeline/order-book';
import type { Order } from '@tapeline/orders';
import { VenueError } from '../errors';
import type { ReplaceInstruction, VenueOrder } from '../venue';

/** Which open orders a mass cancel takes (all given fields must match; none given: every order). */
export interface CancelAllFilter {
  readonly accountId?: string;
  readonly desk?: string;
  readonly instrumentId?: string;
}

export type SimulatedVenueCommand =
  | { readonly kind: 'submit'; readonly atMicros: bigint; readonly order: VenueOrder }
  | {
      readonly kind: 'cancel';
      readonly atMicros: bigint;
      readonly order: VenueOrder;
      readonly cancelClOrdId: string;
    }
  | {
      readonly kind: 'replace';
      readonly atMicros: bigint;
      readonly order: VenueOrder;
      readonly replace: ReplaceInstruction;
    }
  /** Cancels every GTD order whose ExpireTime is at or before `atMicros`. */
  | { readonly kind: 'expire'; readonly atMicros: bigint }
  /** Cancels every resting DAY order (end of the trading session). */
  | { readonly kind: 'endOfDay'; readonly atMicros: bigint }
  | {
      readonly kind: 'seed';
      readonly atMicros: bigint;
      readonly instrumentId: string;
      readonly snapshot: BookSnapshot;
      /**
       * A refresh: the seeded liquidity the book holds leaves first, and levels that would cross
       * the oms's own resting orders are left out (the market moved through them).
       */
      readonly replace?: boolean;
    }
  | {
      readonly kind: 'cancelAll';
      readonly atMicros: bigint;
      readonly filter: CancelAllFilter;
      readonly reason: string;
    };

/**
 * The fields of the oms Order a command reads; the journal may keep just these. Everything else
 * of the Order (CumQty, status, versions) is the oms's view and does not steer matching.
 */
export const ORDER_FIELDS_USED = [
  'orderId',
  'clOrdId',
  'accountId',
  'desk',
  'instrumentId',
  'side',
  'ordType',
  'timeInForce',
  'priceScale',
  'sizeScale',
  'price',
  'orderQty',
  'expireTimeMicros',
  'triggered',
] as const satisfies readonly (keyof Order)[];

const BIGINT_FIELDS = new Set(['atMicros', 'price', 'orderQty', 'expireTimeMicros']);

/** JSON for a journal: bigints as decimal strings, only the order fields a replay needs. */
export function encodeCommand(command: SimulatedVenueCommand): string {
  const slim =
    'order' in command
      ? {
          ...command,
          order: {
            venueSymbol: command.order.venueSymbol,
            order: Object.fromEntries(ORDER_FIELDS_USED.map((f) => [f, command.order.order[f]])),
          },
        }
      : command;
  return JSON.stringify(slim, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** The inverse of `encodeCommand`. The order comes back with only ORDER_FIELDS_USED set. */
export function decodeCommand(json: string): SimulatedVenueCommand {
  const command = JSON.parse(json, (key, value: unknown) =>
    BIGINT_FIELDS.has(key) && typeof value === 'string' ? BigInt(value) : value,
  ) as SimulatedVenueCommand;
  const kinds = ['submit', 'cancel', 'replace', 'expire', 'endOfDay', 'seed', 'cancelAll'];
  if (!kinds.includes(command.kind) || typeof command.atMicros !== 'bigint') {
    throw new VenueError('INVALID_COMMAND', `not a simulated venue command: ${json.slice(0, 200)}`);
  }
  return command;
}
