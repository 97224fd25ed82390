// Errors the adapters raise. A malformed frame is never thrown out of an adapter: the decoders
// throw MalformedFrameError (a bad FIX timestamp: @tapeline/fix-session's FixSessionError
// MALFORMED_FIELD) and the adapter turns it into FeedSink.onMalformed.

export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
  readonly code = 'MALFORMED_FRAME';
}

/** Adapter options that cannot work (raised by the constructor, before any I/O). */
export class FeedConfigError extends Error {
  override readonly name = 'FeedConfigError';
  readonly code = 'FEED_CONFIG';
}

/** A depth snapshot the venue did not deliver (HTTP error, timeout, rejected request). */
export class SnapshotRequestError extends Error {
  override readonly name = 'SnapshotRequestError';
  readonly code = 'SNAPSHOT_FAILED';
  constructor(
    readonly symbol: string,
    reason: string,
  ) {
    super(`depth snapshot for ${symbol} failed: ${reason}`);
  }
}

export { describeError } from '@tapeline/fix-session';
