import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOPIC_NAMES, TopicRegistry } from './topics';
import { EXPECTED_KEY, SAMPLES, SCHEMA } from './testing/fixtures';
import { utcIsoMicros } from './time';

test('TopicRegistry prefixes names and maps them back', () => {
  const r = new TopicRegistry('dev.');
  assert.equal(r.name('quotes'), 'dev.quotes');
  assert.equal(r.deadLetterName('quotes'), 'dev.quotes.dlq');
  assert.equal(r.logical('dev.quotes'), 'quotes');
  assert.equal(r.logical('quotes'), undefined);
  assert.equal(new TopicRegistry().name('journal'), 'journal');
});

test('TopicRegistry derives keys and schema names from the event', () => {
  const r = new TopicRegistry();
  for (const t of TOPIC_NAMES) {
    assert.equal(r.keyOf(t, SAMPLES[t] as never), EXPECTED_KEY[t], t);
    assert.equal(r.spec(t).schema, SCHEMA[t]);
    assert.equal(r.spec(t).schemaId, `${SCHEMA[t]};v=1`);
    assert.equal(r.spec(t).schemaVersion, '1');
  }
  assert.throws(() => r.spec('nope' as never), /unknown bus topic "nope"/);
});

test('utcIsoMicros has microseconds and is UTC', () => {
  const s = utcIsoMicros();
  assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  assert.ok(Math.abs(Date.parse(s) - Date.now()) < 1000);
  assert.equal(utcIsoMicros(1714566896123456), '2024-05-01T12:34:56.123456Z');
});
