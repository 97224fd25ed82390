export type JournalErrorCode = 'NOT_CANONICAL' | 'BAD_ENTRY' | 'BAD_RESUME_POINT' | 'BAD_ROW';

/** A value the journal cannot record or read back exactly; `code` says which rule it broke. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    readonly code: JournalErrorCode,
    message: string,
  ) {
    super(message);
  }
}
