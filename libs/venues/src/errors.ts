export type VenueErrorCode =
  /** A bigint mantissa or time does not fit a safe JavaScript integer (the matching engine's `number`). */
  | 'UNSAFE_INTEGER'
  /** The venue was used before `start()` or after `stop()`. */
  | 'NOT_STARTED'
  /** An order id the venue already holds was submitted again. */
  | 'DUPLICATE_ORDER'
  /** A command that cannot be applied (bad seed, unknown command kind). */
  | 'INVALID_COMMAND'
  /** Bad configuration of a venue adapter. */
  | 'CONFIG'
  /** A venue message the adapter cannot turn into a lifecycle event. */
  | 'MALFORMED_REPORT'
  /** The FIX session could not take the message (outbox full, session stopped). */
  | 'SESSION';

/** Every refusal of this library: a `code` to branch on and a message naming what is wrong. */
export class VenueError extends Error {
  override readonly name = 'VenueError';
  constructor(
    readonly code: VenueErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * bigint -> number at the matching engine's boundary. Mantissas and times travel as `number` inside
 * the book, which is exact only for safe integers: anything larger is refused, naming the field.
 */
export function toSafeNumber(field: string, value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new VenueError('UNSAFE_INTEGER', `${field} ${value} is outside the safe integer range (±2^53-1)`);
  }
  return n;
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
