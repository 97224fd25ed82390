export type AggregateErrorCode =
  | 'INVALID_SPEC'
  | 'INVALID_BAR_TYPE'
  | 'UNSAFE_INTEGER'
  | 'NON_POSITIVE_SIZE'
  | 'OFF_TICK_PRICE'
  | 'INVALID_SIDE'
  | 'SCALE_MISMATCH'
  | 'INSTRUMENT_MISMATCH'
  | 'VOLUME_OVERFLOW'
  | 'SEQUENCE_GAP'
  | 'UNSUPPORTED_DEPTH_KIND'
  | 'INVALID_SNAPSHOT';

/** Bad input or configuration of an aggregate; `code` says which, the message names the values. */
export class AggregateError extends Error {
  override readonly name = 'AggregateError';
  constructor(
    readonly code: AggregateErrorCode,
    message: string,
  ) {
    super(message);
  }
}
