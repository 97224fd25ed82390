import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecimalScaler, formatScaled } from './decimal-scaler';

test('parses venue decimals to a mantissa at the requested scale', () => {
  const s = new DecimalScaler();
  assert.equal(s.parse('189.5', 2), 18950);
  assert.equal(s.parse('189.50000000', 2), 18950);
  assert.equal(s.parse('42', 3), 42000);
  assert.equal(s.parse('0.00001', 5), 1);
  assert.equal(s.parse('-37.63', 2), -3763);
  assert.equal(s.parse('0', 2), 0);
  assert.ok(Object.is(s.parse('-0.00', 2), 0));
  assert.equal(s.error, 'none');
});

test('refuses a non-zero digit beyond the scale instead of rounding it away', () => {
  const s = new DecimalScaler();
  assert.ok(Number.isNaN(s.parse('189.505', 2)));
  assert.equal(s.error, 'excess_precision');
});

test('refuses text that is not a plain decimal', () => {
  const s = new DecimalScaler();
  for (const bad of ['', '-', '.5', '1.', '1e5', ' 1', '1,5', '+1', 'NaN', '0x10', '1.2.3', '١٢']) {
    assert.ok(Number.isNaN(s.parse(bad, 2)), bad);
    assert.equal(s.error, 'malformed', bad);
  }
});

test('refuses a mantissa beyond 2^53 rather than lose digits', () => {
  const s = new DecimalScaler();
  assert.equal(s.parse('90071992547409.91', 2), 9007199254740991);
  assert.ok(Number.isNaN(s.parse('90071992547409.92', 2)));
  assert.equal(s.error, 'out_of_range');
  assert.ok(Number.isNaN(s.parse('12345678901234567890', 0)));
  assert.equal(s.error, 'out_of_range');
});

test('formats a mantissa with exactly its scale', () => {
  assert.equal(formatScaled(18950, 2), '189.50');
  assert.equal(formatScaled(1, 5), '0.00001');
  assert.equal(formatScaled(-3763, 2), '-37.63');
  assert.equal(formatScaled(42, 0), '42');
  assert.equal(formatScaled(0, 3), '0.000');
});
