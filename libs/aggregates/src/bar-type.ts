import { AggregateError } from './errors';

/** What closes a bar: a UTC-aligned time frame, N trades, V volume, or a price range of R ticks. */
export type BarKind =
  | { kind: 'time'; frameMicros: number }
  | { kind: 'tick'; trades: number }
  | { kind: 'volume'; volume: number }
  | { kind: 'range'; ticks: number };

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Parses the BarEvent.bar_type vocabulary: "1s", "5m", "1h", "1d" (time), "tick:100",
 * "volume:5000" (size mantissa), "range:25" (ticks). A time frame must divide a day, so every bar
 * starts on a UTC boundary that repeats each midnight (1s..1d: 1, 2, 5, 10, 15, 30 s; 1, 5, 15, 30 m;
 * 1, 2, 4, 6, 12 h; 1 d and the like).
 */
export function parseBarType(text: string): BarKind {
  const time = /^(\d+)([smhd])$/.exec(text);
  if (time) {
    const seconds = Number(time[1]) * UNIT_SECONDS[time[2]!]!;
    if (seconds < 1 || seconds > 86_400 || 86_400 % seconds !== 0) {
      throw new AggregateError('INVALID_BAR_TYPE', `time frame "${text}" must be 1s..1d and divide a day`);
    }
    return { kind: 'time', frameMicros: seconds * MICROS_PER_SECOND };
  }
  const activity = /^(tick|volume|range):(\d+)$/.exec(text);
  if (activity) {
    const n = Number(activity[2]);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new AggregateError('INVALID_BAR_TYPE', `bar type "${text}" needs a positive integer`);
    }
    if (activity[1] === 'tick') return { kind: 'tick', trades: n };
    if (activity[1] === 'volume') return { kind: 'volume', volume: n };
    return { kind: 'range', ticks: n };
  }
  throw new AggregateError(
    'INVALID_BAR_TYPE',
    `unknown bar type "${text}" (expected e.g. 1s, 1m, 1h, 1d, tick:100, volume:5000, range:25)`,
  );
}

/** Canonical text of a bar kind ("60s" -> "1m"), so that equal kinds have equal names. */
export function formatBarType(kind: BarKind): string {
  switch (kind.kind) {
    case 'tick':
      return `tick:${kind.trades}`;
    case 'volume':
      return `volume:${kind.volume}`;
    case 'range':
      return `range:${kind.ticks}`;
    case 'time': {
      const seconds = kind.frameMicros / MICROS_PER_SECOND;
      for (const unit of ['d', 'h', 'm'] as const) {
        if (seconds % UNIT_SECONDS[unit]! === 0) return `${seconds / UNIT_SECONDS[unit]!}${unit}`;
      }
      return `${seconds}s`;
    }
  }
}
