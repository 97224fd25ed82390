// Hot-path decimal conversion between venue strings and `number` mantissas. The bigint functions of
// @tapeline/fixed-point stay the reference; these exist because a feed parses millions of prices a
// second. Every mantissa produced here is checked with Number.isSafeInteger, so no digit is lost.

export type DecimalParseError = 'none' | 'malformed' | 'excess_precision' | 'out_of_range';

const MINUS = 45;
const DOT = 46;
const ZERO = 48;

/**
 * Parses venue decimals ("101.50000000") straight to a mantissa at a given scale. Returns NaN on
 * failure with `error` saying why; one instance is reused per caller, so parsing allocates nothing.
 */
export class DecimalScaler {
  error: DecimalParseError = 'none';

  /**
   * Trailing zeros beyond the scale are fine (venues pad to a fixed width); a non-zero digit beyond
   * it is `excess_precision` (an off-tick price or off-lot size), not rounded away.
   */
  parse(text: string, scale: number): number {
    const n = text.length;
    let i = 0;
    let negative = false;
    if (n > 0 && text.charCodeAt(0) === MINUS) {
      negative = true;
      i = 1;
    }
    // Every partial value is below the final one, so all of them are exact whenever the final one
    // is a safe integer; an unsafe final value stays >= 2^53 after rounding and is caught below.
    let mantissa = 0;
    let wholeDigits = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === DOT) break;
      const d = c - ZERO;
      if (d < 0 || d > 9) return this.fail('malformed');
      mantissa = mantissa * 10 + d;
      wholeDigits++;
    }
    if (wholeDigits === 0) return this.fail('malformed');
    let fractionDigits = 0;
    let excess = false;
    if (i < n) {
      i++; // the dot
      if (i === n) return this.fail('malformed');
      for (; i < n; i++) {
        const d = text.charCodeAt(i) - ZERO;
        if (d < 0 || d > 9) return this.fail('malformed');
        if (fractionDigits < scale) {
          mantissa = mantissa * 10 + d;
          fractionDigits++;
        } else if (d !== 0) {
          excess = true;
        }
      }
    }
    for (; fractionDigits < scale; fractionDigits++) mantissa *= 10;
    if (!Number.isSafeInteger(mantissa)) return this.fail('out_of_range');
    if (excess) return this.fail('excess_precision');
    this.error = 'none';
    return negative && mantissa !== 0 ? -mantissa : mantissa;
  }

  private fail(error: DecimalParseError): number {
    this.error = error;
    return NaN;
  }
}

/** Formats a safe-integer mantissa with exactly `scale` decimals: (18950, 2) -> "189.50". */
export function formatScaled(mantissa: number, scale: number): string {
  if (scale === 0) return String(mantissa);
  const negative = mantissa < 0;
  let digits = String(negative ? -mantissa : mantissa);
  if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
  const cut = digits.length - scale;
  return (negative ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
}
