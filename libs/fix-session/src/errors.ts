export type FixSessionErrorCode =
  /** Session options that cannot work (raised before any I/O). */
  | 'CONFIG'
  /** A FIX field value that does not have its FIX type's format. */
  | 'MALFORMED_FIELD';

/** Every refusal of this library: a `code` to branch on and a message naming what is wrong. */
export class FixSessionError extends Error {
  override readonly name = 'FixSessionError';
  constructor(
    readonly code: FixSessionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An error's message for a status or a report (its name when it has no message). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
