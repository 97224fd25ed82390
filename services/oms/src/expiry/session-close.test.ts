import test from 'node:test';
import assert from 'node:assert/strict';
import { lastCloseAtOrBefore, nextCloseAfter, parseSessionClose } from './session-close';

const at = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

test('a session close is a UTC time of day or off; anything else names the expected form', () => {
  assert.equal(parseSessionClose('21:00:00'), 21n * 3600n * 1_000_000n);
  assert.equal(parseSessionClose('16:30'), (16n * 3600n + 1800n) * 1_000_000n);
  assert.equal(parseSessionClose('off'), null);
  for (const bad of ['24:00:00', '9:00', '21:60', '21:00:00Z', '']) {
    const parsed = parseSessionClose(bad);
    assert.ok(typeof parsed === 'object' && parsed !== null && /HH:MM:SS/.test(parsed.problem), bad);
  }
});

test('the last close is at or before now, the next one after it', () => {
  const close = parseSessionClose('21:00:00') as bigint;
  assert.equal(lastCloseAtOrBefore(close, at('2026-11-22T20:59:59Z')), at('2026-11-21T21:00:00Z'));
  assert.equal(lastCloseAtOrBefore(close, at('2026-11-22T21:00:00Z')), at('2026-11-22T21:00:00Z'));
  assert.equal(nextCloseAfter(close, at('2026-11-22T21:00:00Z')), at('2026-11-23T21:00:00Z'));
  assert.equal(nextCloseAfter(close, at('2026-11-22T03:00:00Z')), at('2026-11-22T21:00:00Z'));
});
