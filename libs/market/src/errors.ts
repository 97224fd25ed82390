/** Codes of the typed errors this library throws (bad configuration or misuse, never bad market data). */
export type MarketErrorCode =
  'INVALID_OPTION' | 'INVALID_INSTRUMENT' | 'UNKNOWN_SYMBOL' | 'ALREADY_STARTED' | 'FILE_UNREADABLE';

export class MarketError extends Error {
  override readonly name = 'MarketError';
  constructor(
    readonly code: MarketErrorCode,
    message: string,
  ) {
    super(message);
  }
}
