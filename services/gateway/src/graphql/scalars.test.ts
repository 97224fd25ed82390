import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError, Kind } from 'graphql';
import { DecimalScalar, formatTimestamp, parseTimestamp, TimestampScalar } from './scalars';

// 2023-11-14T22:13:20Z is 1_700_000_000 s after the epoch.
const T = 1_700_000_000_000_000;

test('Timestamp keeps microseconds both ways', () => {
  assert.equal(parseTimestamp('2023-11-14T22:13:20.123456Z'), T + 123_456);
  assert.equal(formatTimestamp(T + 123_456), '2023-11-14T22:13:20.123456Z');
  assert.equal(formatTimestamp(T + 7), '2023-11-14T22:13:20.000007Z');
  assert.equal(formatTimestamp(parseTimestamp('2023-11-14T22:13:20.000001Z')), '2023-11-14T22:13:20.000001Z');
  // Alternating seconds (the text of the last second is reused): each keeps its own.
  assert.equal(formatTimestamp(T + 3_600_000_000 + 5), '2023-11-14T23:13:20.000005Z');
  assert.equal(formatTimestamp(T + 999_999), '2023-11-14T22:13:20.999999Z');
  assert.equal(formatTimestamp(T + 1_000_000), '2023-11-14T22:13:21.000000Z');
});

test('Timestamp accepts offsets, fewer digits and trailing zeros beyond the microsecond', () => {
  assert.equal(parseTimestamp('2023-11-14T23:43:20.5+01:30'), T + 500_000);
  assert.equal(parseTimestamp('2023-11-14T17:13:20-05:00'), T);
  assert.equal(parseTimestamp('2023-11-14T22:13:20.123456000Z'), T + 123_456);
  assert.equal(parseTimestamp('1969-12-31T23:59:59.999999Z'), -1);
  assert.equal(formatTimestamp(-1), '1969-12-31T23:59:59.999999Z');
});

test('Timestamp refuses what it would have to round or guess', () => {
  for (const bad of [
    '2023-11-14T22:13:20.1234567Z',
    '2023-11-14T22:13:20',
    '2023-02-30T00:00:00Z',
    '2023-11-14T24:00:00Z',
    '1700000000',
    '2023-11-14 22:13:20Z',
  ]) {
    assert.throws(() => parseTimestamp(bad), TypeError, bad);
  }
});

test('the Timestamp scalar serializes integer micros and rejects non-strings with BAD_USER_INPUT', () => {
  const scalar = new TimestampScalar();
  assert.equal(scalar.serialize(T + 1), '2023-11-14T22:13:20.000001Z');
  assert.throws(() => scalar.serialize(1.5), GraphQLError);
  assert.equal(scalar.parseLiteral({ kind: Kind.STRING, value: '2023-11-14T22:13:20.000002Z' }), T + 2);
  assert.throws(
    () => scalar.parseLiteral({ kind: Kind.INT, value: '1700000000' }),
    (err: unknown) => err instanceof GraphQLError && err.extensions.code === 'BAD_USER_INPUT',
  );
});

test('the Decimal scalar is a canonical exact string and never takes a number', () => {
  const scalar = new DecimalScalar();
  assert.equal(scalar.parseValue('0101.2500'), '101.2500');
  assert.equal(scalar.parseValue('-0.00001'), '-0.00001');
  assert.equal(scalar.serialize('1.08765'), '1.08765');
  assert.throws(() => scalar.parseValue(101.25), GraphQLError);
  assert.throws(() => scalar.parseValue('1e5'), GraphQLError);
  assert.throws(() => scalar.serialize(1.5), GraphQLError);
});
