import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddedClickHouseStore } from './embedded/embedded-store';
import { HistoryError } from './errors';
import { runMigrations } from './migrations';
import { tempDataDir } from './testing/example-tables';

const dir = tempDataDir('history-migrations');
let store: EmbeddedClickHouseStore;

before(async () => {
  store = await EmbeddedClickHouseStore.open({ dataPath: dir.path, database: 'aggregation' });
});

after(async () => {
  await store.close();
  dir.remove();
});

const tableNames = async () =>
  (
    await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'm_%' ORDER BY name",
    )
  ).map((r) => r.name);

describe('runMigrations', () => {
  it('refuses ids out of order before running anything', async () => {
    await assert.rejects(
      runMigrations(store, [
        {
          id: '0002_b',
          statements: ['CREATE TABLE IF NOT EXISTS m_b (x UInt8) ENGINE = MergeTree ORDER BY x'],
        },
        {
          id: '0001_a',
          statements: ['CREATE TABLE IF NOT EXISTS m_a (x UInt8) ENGINE = MergeTree ORDER BY x'],
        },
      ]),
      (err: unknown) =>
        err instanceof HistoryError && err.code === 'HISTORY_SCHEMA_INVALID' && /ascending/.test(err.message),
    );
    assert.deepEqual(await tableNames(), []);
  });

  it('stops at a failing step without recording it, and resumes from there once it is fixed', async () => {
    const first = {
      id: '0001_a',
      statements: ['CREATE TABLE IF NOT EXISTS m_a (x UInt8) ENGINE = MergeTree ORDER BY x'],
    };
    const third = {
      id: '0003_c',
      statements: ['CREATE TABLE IF NOT EXISTS m_c (x UInt8) ENGINE = MergeTree ORDER BY x'],
    };
    await assert.rejects(
      runMigrations(store, [
        first,
        { id: '0002_b', statements: ['CREATE TABLE m_b (x Nope) ENGINE = MergeTree ORDER BY x'] },
        third,
      ]),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_QUERY_FAILED',
    );
    assert.deepEqual(await tableNames(), ['m_a']);
    const fixed = {
      id: '0002_b',
      statements: ['CREATE TABLE IF NOT EXISTS m_b (x UInt8) ENGINE = MergeTree ORDER BY x'],
    };
    const result = await runMigrations(store, [first, fixed, third]);
    assert.deepEqual(result, { applied: ['0002_b', '0003_c'], alreadyApplied: ['0001_a'] });
    assert.deepEqual(await tableNames(), ['m_a', 'm_b', 'm_c']);
  });
});
