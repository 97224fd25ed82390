import { nowMicros } from '@tapeline/telemetry';
import { MalformedFrameError } from './errors';

/** Malformed frames are logged and alerted on; keep them a loggable size. */
export const MAX_REPORTED_FRAME_CHARS = 512;

export function truncateFrame(frame: string): string {
  return frame.length <= MAX_REPORTED_FRAME_CHARS
    ? frame
    : `${frame.slice(0, MAX_REPORTED_FRAME_CHARS)}…(${frame.length} chars)`;
}

/** Local receive time, UTC microseconds (nowMicros is an integer, so the conversion is exact). */
export function receiveTimeMicros(): bigint {
  return BigInt(nowMicros());
}

// Venue decimals stay strings (the Normaliser scales them); the adapter only checks the shape
// so that garbage is reported at the edge with the frame that carried it.
const DECIMAL = /^\d+(\.\d+)?$/;

export function requireDecimal(value: unknown, field: string): string {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new MalformedFrameError(`${field} is not a decimal string: ${JSON.stringify(value)}`);
  }
  return value;
}
