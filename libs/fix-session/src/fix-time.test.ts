import test from 'node:test';
import assert from 'node:assert/strict';
import { FixSessionError } from './errors';
import { fixDateTimeMicros, fixTimestampMicros } from './fix-time';

test('reads FIX timestamps to the microsecond', () => {
  // 2026-11-22T10:15:30Z: 2026-01-01 is 1767225600 s, + 325 days + 36930 s = 1795342530 s
  assert.equal(fixTimestampMicros('20261122-10:15:30', '52'), 1795342530_000000n);
  assert.equal(fixTimestampMicros('20261122-10:15:30.123', '52'), 1795342530_123000n);
  assert.equal(fixTimestampMicros('20261122-10:15:30.123456789', '52'), 1795342530_123456n);
  assert.equal(fixDateTimeMicros('20261122', '10:15:30.5', '272/273'), 1795342530_500000n);
});

test('rejects timestamps that are not FIX UTC formats, naming the field', () => {
  assert.throws(
    () => fixTimestampMicros('2026-11-22T10:15:30Z', 'SendingTime'),
    (err) =>
      err instanceof FixSessionError && err.code === 'MALFORMED_FIELD' && /SendingTime/.test(err.message),
  );
  assert.throws(() => fixDateTimeMicros('20261122', '10:15', 'MDEntryTime'), /MDEntryTime/);
});
