import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, isoMicros, nowMicros } from './logger';

test('formats UTC timestamps with six fractional digits', () => {
  assert.equal(isoMicros(1_700_000_000_123_456), '2023-11-14T22:13:20.123456Z');
  assert.equal(isoMicros(1_700_000_000_000_007), '2023-11-14T22:13:20.000007Z');
});

test('nowMicros tracks the wall clock within a few milliseconds', () => {
  assert.ok(Math.abs(nowMicros() / 1000 - Date.now()) < 50);
});

test('logs one JSON object per line with service, level label and microsecond time', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).trim().split('\n'));
      cb();
    },
  });
  const log = createLogger('symbol', 'info', sink);
  log.info({ instruments: 3 }, 'seed loaded');
  log.debug('hidden at info level');
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry.service, 'symbol');
  assert.equal(entry.level, 'info');
  assert.equal(entry.msg, 'seed loaded');
  assert.equal(entry.instruments, 3);
  assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});
