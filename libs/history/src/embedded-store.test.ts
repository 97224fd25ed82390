import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmbeddedClickHouseStore } from './embedded/embedded-store';
import { HistoryError } from './errors';
import { createTableSql } from './table';
import { exampleTrades, tempDataDir } from './testing/example-tables';
import { describeStoreContract } from './testing/store-contract';

describeStoreContract('embedded chDB in a worker thread', async () => {
  const dir = tempDataDir('history-embedded');
  const store = await EmbeddedClickHouseStore.open({ dataPath: dir.path, database: 'market_data' });
  return {
    store,
    cleanup: async () => {
      await store.close();
      dir.remove();
    },
  };
});

describe('EmbeddedClickHouseStore', () => {
  it('allows one data directory per process and keeps the data across a reopen', async () => {
    const dir = tempDataDir('history-embedded-reopen');
    const other = tempDataDir('history-embedded-other');
    try {
      const first = await EmbeddedClickHouseStore.open({ dataPath: dir.path, database: 'oms' });
      await first.command(createTableSql(exampleTrades));
      await first.insert(exampleTrades, [
        { instrument_id: 1, time: 5, price: 10, size: 2, side: 'buy', trade_id: 'x', venue: 'XNAS' },
      ]);
      await assert.rejects(
        EmbeddedClickHouseStore.open({ dataPath: other.path, database: 'oms' }),
        (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_DATA_DIR_IN_USE',
      );
      await first.close();

      const reopened = await EmbeddedClickHouseStore.open({ dataPath: dir.path, database: 'oms' });
      assert.match(reopened.engineVersion, /^\d+\.\d+/);
      const rows = await reopened.query<{ trade_id: string; price: string }>(
        'SELECT trade_id, price FROM trades',
      );
      assert.deepEqual(rows, [{ trade_id: 'x', price: '10' }]);
      await reopened.close();
    } finally {
      dir.remove();
      other.remove();
    }
  });
});
