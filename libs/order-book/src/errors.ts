export type OrderBookErrorCode = 'INVALID_ARGUMENT' | 'DUPLICATE_ORDER_ID' | 'CROSSED_SNAPSHOT';

/**
 * Bad input to a book: the venue adapter turns it into a reject. Business outcomes (nothing to
 * cancel, FOK not fillable) are results, not errors.
 */
export class OrderBookError extends Error {
  override readonly name = 'OrderBookError';
  constructor(
    readonly code: OrderBookErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Mantissas travel as `number` on the hot path; only safe integers are exact. */
export function requireSafeInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new OrderBookError('INVALID_ARGUMENT', `${what} must be a safe integer, got ${value}`);
  }
}

export function requirePositive(what: string, value: number): void {
  requireSafeInteger(what, value);
  if (value <= 0) throw new OrderBookError('INVALID_ARGUMENT', `${what} must be positive, got ${value}`);
}
