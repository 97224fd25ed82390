// The trading session's close, a UTC time of day (OMS_SESSION_CLOSE_UTC): DAY orders still open
// then expire. One close a day; there is no separate open, so a DAY order placed after the close
// belongs to the next session.

const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;

/** Microseconds after UTC midnight, or null when sessions do not close ("off"). */
export type SessionClose = bigint | null;

/** "HH:MM[:SS]" (24 h, UTC) or "off"; a problem message for anything else. */
export function parseSessionClose(raw: string): SessionClose | { problem: string } {
  const text = raw.trim();
  if (text.toLowerCase() === 'off') return null;
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  const [h, min, sec] = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? '0')] : [NaN, NaN, NaN];
  if (!m || h > 23 || min > 59 || sec > 59) {
    return { problem: `must be a UTC time of day HH:MM:SS (e.g. 21:00:00) or "off", got "${raw}"` };
  }
  return BigInt((h * 60 + min) * 60 + sec) * MICROS_PER_SECOND;
}

/** The latest close at or before `nowMicros`. */
export function lastCloseAtOrBefore(close: bigint, nowMicros: bigint): bigint {
  const today = nowMicros - (nowMicros % MICROS_PER_DAY) + close;
  return today <= nowMicros ? today : today - MICROS_PER_DAY;
}

/** The first close after `nowMicros`. */
export function nextCloseAfter(close: bigint, nowMicros: bigint): bigint {
  return lastCloseAtOrBefore(close, nowMicros) + MICROS_PER_DAY;
}
