/** Why the oms refused a request, in the caller's terms; the controller maps it to a gRPC status. */
export type OmsErrorCode =
  'INVALID_ARGUMENT' | 'NOT_FOUND' | 'FAILED_PRECONDITION' | 'ALREADY_EXISTS' | 'UNAVAILABLE';

export class OmsError extends Error {
  override readonly name = 'OmsError';
  constructor(
    readonly code: OmsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
