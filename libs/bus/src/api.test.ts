// The public surface must not expose kafkajs: a successor client has to fit behind it unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as bus from './index';

test('no kafkajs type is reachable from the public declarations', () => {
  const seen = new Set<string>();
  const queue = ['index.d.ts'];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(__dirname, file), 'utf8');
    assert.doesNotMatch(text, /from ['"]kafkajs['"]|import\(['"]kafkajs['"]\)/, `${file} names kafkajs`);
    for (const m of text.matchAll(/from '(\.\/[^']+)'/g)) queue.push(`${m[1]!.slice(2)}.d.ts`);
  }
  assert.ok(seen.size > 5);
});

test('the public API has the documented entry points', () => {
  for (const name of [
    'createBus',
    'parseBusConfig',
    'TopicRegistry',
    'BusPublishError',
    'PoisonMessageError',
    'createStderrLogger',
  ]) {
    assert.ok(name in bus, name);
  }
});
