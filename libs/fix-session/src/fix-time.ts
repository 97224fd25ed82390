// FIX UTC timestamps to UTC microseconds. Parsed from the wire strings rather than through Date,
// which would drop anything below the millisecond.

import { FixSessionError } from './errors';

const UTC_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const UTC_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const UTC_TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** "20261122-10:15:30.123456" (UTCTimestamp, tag 52 and friends) -> micros. */
export function fixTimestampMicros(value: string, field: string): bigint {
  const m = UTC_TIMESTAMP.exec(value);
  if (!m) throw new FixSessionError('MALFORMED_FIELD', `${field} is not a FIX UTCTimestamp: "${value}"`);
  return toMicros(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7]);
}

/** MDEntryDate "20261122" (272) with MDEntryTime "10:15:30.123" (273) -> micros. */
export function fixDateTimeMicros(date: string, time: string, field: string): bigint {
  const d = UTC_DATE.exec(date);
  const t = UTC_TIME.exec(time);
  if (!d || !t) {
    throw new FixSessionError(
      'MALFORMED_FIELD',
      `${field} is not a FIX UTCDate + UTCTimeOnly: "${date}" "${time}"`,
    );
  }
  return toMicros(d[1]!, d[2]!, d[3]!, t[1]!, t[2]!, t[3]!, t[4]);
}

function toMicros(
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string,
  frac: string | undefined,
): bigint {
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Fractions beyond microseconds (FIX allows nanoseconds) are truncated.
  const micros = frac ? Number(frac.padEnd(6, '0').slice(0, 6)) : 0;
  return BigInt(ms) * 1000n + BigInt(micros);
}
