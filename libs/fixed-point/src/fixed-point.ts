/**
 * Fixed-point decimals: value = mantissa x 10^-scale. Prices and quantities never pass through a
 * binary float, so 0.1 + 0.2 is exactly 0.3 and a tick size of 0.00001 stays exact.
 */
export interface FixedPoint {
  readonly mantissa: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;
export const MAX_SCALE = 18;

export class FixedPointError extends Error {
  override readonly name = 'FixedPointError';
}

/** Parses "123.4500" exactly (the written scale is kept: scale 4 here). Rejects floats' exponents. */
export function parseFixed(text: string): FixedPoint {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) throw new FixedPointError(`not a decimal number: "${text}"`);
  const [, sign, whole, frac = ''] = m;
  if (frac.length > MAX_SCALE) throw new FixedPointError(`more than ${MAX_SCALE} decimal places: "${text}"`);
  const mantissa = BigInt(whole + frac) * (sign === '-' ? -1n : 1n);
  return { mantissa, scale: frac.length };
}

/** Formats with exactly `scale` decimals: {12345n, 2} -> "123.45". */
export function formatFixed(value: FixedPoint): string {
  const negative = value.mantissa < 0n;
  const digits = (negative ? -value.mantissa : value.mantissa).toString().padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const frac = digits.slice(digits.length - value.scale);
  return (negative ? '-' : '') + (value.scale > 0 ? `${whole}.${frac}` : whole);
}

/**
 * Re-expresses a value at another scale. Going down in scale must not lose digits: a value that
 * does not fit exactly (e.g. 1.005 at scale 2) throws instead of rounding silently.
 */
export function rescale(value: FixedPoint, scale: number): FixedPoint {
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
    throw new FixedPointError(`scale must be an integer 0..${MAX_SCALE}, got ${scale}`);
  }
  if (scale >= value.scale) return { mantissa: value.mantissa * 10n ** BigInt(scale - value.scale), scale };
  const factor = 10n ** BigInt(value.scale - scale);
  if (value.mantissa % factor !== 0n) {
    throw new FixedPointError(`${formatFixed(value)} does not fit in ${scale} decimal places`);
  }
  return { mantissa: value.mantissa / factor, scale };
}

/** Parses a decimal string straight to the mantissa at the given scale ("101.5", 4 -> 1015000n). */
export function toMantissa(text: string, scale: number): bigint {
  return rescale(parseFixed(text), scale).mantissa;
}

/** True when `value` is a whole multiple of `increment` (tick size, lot size). */
export function isMultipleOf(value: FixedPoint, increment: FixedPoint): boolean {
  const scale = Math.max(value.scale, increment.scale);
  const inc = rescale(increment, scale).mantissa;
  if (inc === 0n) return true;
  return rescale(value, scale).mantissa % inc === 0n;
}

export function compareFixed(a: FixedPoint, b: FixedPoint): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale).mantissa;
  const y = rescale(b, scale).mantissa;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Wire form used by the contracts: int64 mantissa as a decimal string (never a lossy JS number). */
export function toWireDecimal(value: FixedPoint): { mantissa: string; scale: number } {
  return { mantissa: value.mantissa.toString(), scale: value.scale };
}

export function fromWireDecimal(wire: { mantissa: string; scale: number } | undefined | null): FixedPoint {
  if (!wire) return { mantissa: 0n, scale: 0 };
  return { mantissa: BigInt(wire.mantissa), scale: wire.scale };
}
