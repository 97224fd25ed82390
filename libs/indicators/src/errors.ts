export type IndicatorErrorCode = 'INVALID_PERIOD' | 'NON_FINITE_INPUT';

/** Bad parameters or input to an indicator; `code` says which. */
export class IndicatorError extends Error {
  override readonly name = 'IndicatorError';
  constructor(
    readonly code: IndicatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function checkPeriod(name: string, period: number): number {
  if (!Number.isInteger(period) || period < 1 || period > 1_000_000) {
    throw new IndicatorError('INVALID_PERIOD', `${name} period must be an integer 1..1000000, got ${period}`);
  }
  return period;
}

export function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new IndicatorError('NON_FINITE_INPUT', `${name} input is not finite: ${value}`);
}
