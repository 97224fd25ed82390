import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareFixed, formatFixed, isMultipleOf, parseFixed, rescale, toMantissa } from './fixed-point';

test('parses and formats decimals exactly, keeping the written scale', () => {
  assert.deepEqual(parseFixed('123.4500'), { mantissa: 1234500n, scale: 4 });
  assert.deepEqual(parseFixed('-0.01'), { mantissa: -1n, scale: 2 });
  assert.equal(formatFixed({ mantissa: -1n, scale: 2 }), '-0.01');
  assert.equal(formatFixed({ mantissa: 5n, scale: 0 }), '5');
  assert.equal(formatFixed(parseFixed('98765432109876.54321')), '98765432109876.54321');
});

test('rejects text that is not a plain decimal', () => {
  for (const bad of ['1e5', 'abc', '', '1.', '.5', '0x10', '1.2.3']) {
    assert.throws(() => parseFixed(bad), /not a decimal number/, bad);
  }
});

test('rescales up exactly and refuses to drop digits when scaling down', () => {
  assert.deepEqual(rescale(parseFixed('1.5'), 4), { mantissa: 15000n, scale: 4 });
  assert.deepEqual(rescale(parseFixed('1.500'), 1), { mantissa: 15n, scale: 1 });
  assert.throws(() => rescale(parseFixed('1.005'), 2), /does not fit in 2 decimal places/);
  assert.equal(toMantissa('101.25', 4), 1012500n);
});

test('checks tick multiples and compares across scales', () => {
  assert.equal(isMultipleOf(parseFixed('101.25'), parseFixed('0.25')), true);
  assert.equal(isMultipleOf(parseFixed('101.30'), parseFixed('0.25')), false);
  assert.equal(compareFixed(parseFixed('0.10'), parseFixed('0.1')), 0);
  assert.equal(compareFixed(parseFixed('0.09'), parseFixed('0.1')), -1);
});
