export type RiskInputErrorCode =
  | 'UNKNOWN_INSTRUMENT'
  | 'BAD_INSTRUMENT'
  | 'BAD_ORDER'
  | 'BAD_LIMIT'
  | 'UNKNOWN_ORDER'
  | 'MISSING_MARK'
  | 'BAD_RETURNS'
  | 'BAD_SCENARIO';

/** Input the risk engine cannot judge (unknown instrument, negative quantity, ragged return series...). */
export class RiskInputError extends Error {
  override readonly name = 'RiskInputError';
  constructor(
    readonly code: RiskInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}
