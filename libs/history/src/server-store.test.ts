import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HistoryError } from './errors';
import { ServerClickHouseStore } from './server-store';
import { createTableSql } from './table';
import { startChdbHttpEndpoint, type ChdbHttpEndpoint } from './testing/chdb-http-endpoint';
import { exampleTrades, tempDataDir } from './testing/example-tables';
import { describeStoreContract } from './testing/store-contract';

// One chDB per process: every store in this file talks to the same endpoint, opened first.
const dir = tempDataDir('history-server');
let endpoint: ChdbHttpEndpoint;
const credentials = { username: 'tapeline', password: 's3cret' };

before(async () => {
  endpoint = await startChdbHttpEndpoint({ dataPath: dir.path, ...credentials });
});

after(async () => {
  await endpoint.close();
  dir.remove();
});

describeStoreContract('@clickhouse/client over HTTP to chDB', async () => {
  const store = await ServerClickHouseStore.open({
    url: endpoint.url,
    database: 'market_data',
    ...credentials,
  });
  return { store, cleanup: () => store.close() };
});

describe('ServerClickHouseStore', () => {
  it('sends gzip-compressed inserts when asked to', async () => {
    const store = await ServerClickHouseStore.open({
      url: endpoint.url,
      database: 'gzip_db',
      compressRequests: true,
      ...credentials,
    });
    try {
      await store.command(createTableSql(exampleTrades));
      const written = await store.insert(exampleTrades, [
        { instrument_id: 3, time: 1, price: 1, size: 1, side: 'buy', trade_id: 'g1', venue: 'V' },
        { instrument_id: 3, time: 2, price: 2, size: 1, side: 'sell', trade_id: 'g2', venue: 'V' },
      ]);
      assert.equal(written, 2);
      const rows = await store.query<{ n: string; s: string }>(
        'SELECT count() AS n, sum(price) AS s FROM trades',
      );
      assert.deepEqual(rows, [{ n: '2', s: '3' }]);
    } finally {
      await store.close();
    }
  });

  it('reports a wrong password as a ClickHouse authentication error', async () => {
    await assert.rejects(
      ServerClickHouseStore.open({
        url: endpoint.url,
        database: 'market_data',
        username: 'tapeline',
        password: 'nope',
      }),
      (err: unknown) =>
        err instanceof HistoryError &&
        err.clickhouseCode === 516 &&
        err.clickhouseType === 'AUTHENTICATION_FAILED',
    );
  });

  it('reports an unreachable server as retryable', async () => {
    const down = await startChdbHttpEndpointlessPort();
    await assert.rejects(
      ServerClickHouseStore.open({ url: `http://127.0.0.1:${down}`, database: 'x', requestTimeoutMs: 2_000 }),
      (err: unknown) => err instanceof HistoryError && err.code === 'HISTORY_UNAVAILABLE' && err.retryable,
    );
  });
});

/** A loopback port nothing listens on. */
async function startChdbHttpEndpointlessPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as import('node:net').AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
