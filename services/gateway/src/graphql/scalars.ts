import { Scalar, type CustomScalar } from '@nestjs/graphql';
import { Kind, GraphQLError, type ValueNode } from 'graphql';
import { FixedPointError, formatFixed, parseFixed } from '@tapeline/fixed-point';

/**
 * Exact decimal carried as a string ("101.25", "0.00001"): a GraphQL Float is a binary double
 * and would corrupt prices and quantities.
 */
@Scalar('Decimal')
export class DecimalScalar implements CustomScalar<string, string> {
  description = 'Exact fixed-point decimal as a string, e.g. "101.25". Never a binary float.';

  serialize(value: unknown): string {
    if (typeof value !== 'string') throw new GraphQLError('Decimal must be produced as a string');
    return value;
  }

  parseValue(value: unknown): string {
    return canonical(value);
  }

  parseLiteral(ast: ValueNode): string {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Decimal literals must be strings, e.g. "101.25"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return canonical(ast.value);
  }
}

function canonical(value: unknown): string {
  if (typeof value !== 'string') {
    throw new GraphQLError('Decimal must be a string, e.g. "101.25"', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  try {
    return formatFixed(parseFixed(value));
  } catch (err) {
    throw new GraphQLError(err instanceof FixedPointError ? err.message : 'invalid Decimal', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
}

// ISO-8601 with an explicit zone; up to nine fractional digits, of which only six may be non-zero.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO-8601 instant to UTC microseconds since the epoch; throws naming what is wrong. */
export function parseTimestamp(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) {
    throw new TypeError(
      `Timestamp must be ISO-8601 with a zone, e.g. "2026-11-22T10:15:30.123456Z", got "${text}"`,
    );
  }
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const fraction = frac.padEnd(9, '0');
  if (!/^0{3}$/.test(fraction.slice(6))) {
    throw new TypeError(`Timestamp "${text}" is more precise than a microsecond`);
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw new TypeError(`Timestamp "${text}" is not a valid date and time`);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  }
  const micros = (ms - offsetMinutes * 60_000) * 1000 + Number(fraction.slice(0, 6));
  if (!Number.isSafeInteger(micros)) throw new TypeError(`Timestamp "${text}" is out of range`);
  return micros;
}

/** UTC microseconds since the epoch to "2026-11-22T10:15:30.123456Z" (always six digits). */
export function formatTimestamp(micros: number): string {
  const second = Math.floor(micros / 1_000_000);
  // Timestamps served together mostly share their second: its text is built once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = new Date(second * 1000).toISOString().slice(0, -4); // "...T10:15:30."
  }
  return `${lastSecondText}${String(micros - second * 1_000_000).padStart(6, '0')}Z`;
}
let lastSecond = NaN;
let lastSecondText = '';

/**
 * A UTC instant with microsecond precision, as ISO-8601 text: "2026-11-22T10:15:30.123456Z".
 * Held as integer microseconds (safe up to year 2255); a JavaScript Date would drop the last three
 * digits.
 */
@Scalar('Timestamp')
export class TimestampScalar implements CustomScalar<string, number> {
  description =
    'UTC instant with microsecond precision, ISO-8601: "2026-11-22T10:15:30.123456Z". Inputs may use an offset.';

  serialize(value: unknown): string {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new GraphQLError('Timestamp must be produced as integer microseconds');
    }
    return formatTimestamp(value);
  }

  parseValue(value: unknown): number {
    if (typeof value !== 'string') {
      throw new GraphQLError('Timestamp must be a string, e.g. "2026-11-22T10:15:30.123456Z"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    try {
      return parseTimestamp(value);
    } catch (err) {
      throw new GraphQLError((err as Error).message, { extensions: { code: 'BAD_USER_INPUT' } });
    }
  }

  parseLiteral(ast: ValueNode): number {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Timestamp literals must be strings, e.g. "2026-11-22T10:15:30.123456Z"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return this.parseValue(ast.value);
  }
}
