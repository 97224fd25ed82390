import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadSeedFile } from '@tapeline/instruments';
import {
  devClientToken,
  freePort,
  graphql,
  grpcClient,
  isPortOpen,
  waitFor,
  RunningProcess,
  REPO_ROOT,
} from '@tapeline/test-kit';
import { SERVICE_PORTS } from './mesh-plan';

const LAUNCHER = path.join(REPO_ROOT, 'tools/launcher/dist/main.js');
const SEED = path.join(REPO_ROOT, 'services/symbol/config/instruments.yaml');

/** Every port of the mesh moved to a free one, so the test never meets a developer's running mesh. */
async function meshEnv(extra: Record<string, string> = {}) {
  const env: Record<string, string> = {
    TAPELINE_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'tapeline-mesh-')),
    GATEWAY_PORT: String(await freePort()),
    KAFKA_DEV_PORT: String(await freePort()),
    LOG_LEVEL: 'debug',
    ...extra,
  };
  const grpc: Record<string, number> = {};
  for (const [name, ports] of Object.entries(SERVICE_PORTS)) {
    grpc[name] = await freePort();
    env[ports.grpc[0]] = String(grpc[name]);
    env[ports.metrics[0]] = String(await freePort());
  }
  return { env, grpc, gatewayUrl: `http://127.0.0.1:${env.GATEWAY_PORT}/graphql` };
}

describe('npm start: the local mesh', () => {
  let mesh: Awaited<ReturnType<typeof meshEnv>>;
  let launcher: RunningProcess;
  let readyLine: string;
  let token: string | undefined;
  // The auditor may read instruments; a token is fetched once from the mesh's own token endpoint.
  const auth = async (): Promise<Record<string, string>> => {
    token ??= await devClientToken(new URL(mesh.gatewayUrl).origin, 'auditor');
    return { authorization: `Bearer ${token}` };
  };

  before(async () => {
    mesh = await meshEnv();
    launcher = new RunningProcess(LAUNCHER, mesh.env);
    readyLine = await launcher.waitForLine(/mesh ready in [\d.]+ s/, 90_000);
  });
  after(async () => {
    launcher?.kill('SIGTERM');
    await launcher?.exited;
  });

  test('prints the gateway URL, every gRPC port and where the logs are once all are SERVING', () => {
    const out = launcher.output;
    console.log(`# ${readyLine.trim()}`);
    assert.ok(out.includes(`GraphQL      ${mesh.gatewayUrl}`));
    assert.match(out, /dev-trader\s+dev-trader-secret-local-only\s+trader\s+FX/, 'dev clients are printed');
    for (const [name, port] of Object.entries(mesh.grpc)) {
      assert.match(out, new RegExp(`${name}\\s+grpc 127\\.0\\.0\\.1:${port}\\b`));
    }
    assert.ok(out.includes(path.join(mesh.env.TAPELINE_DATA_DIR!, 'logs')));
  });

  test('grpc.health.v1 answers SERVING on every service port', async () => {
    for (const [name, port] of Object.entries(mesh.grpc)) {
      const health = grpcClient('health', `127.0.0.1:${port}`);
      const res = await health.call<{ status: number }>('check', { service: '' });
      health.close();
      assert.equal(res.status, 1, `${name} is SERVING`);
    }
  });

  test('the simulated market flows into Kafka, history and the aggregates at once', async () => {
    const md = grpcClient('market-data', `127.0.0.1:${mesh.grpc['market-data']}`);
    const agg = grpcClient('aggregation', `127.0.0.1:${mesh.grpc.aggregation}`);
    try {
      type FeedStatus = {
        venues: { eventsPublished: string }[];
        books: { instrumentId: string }[];
        historyRowsWritten: string;
      };
      const status = await waitFor(
        'market-data publishing and writing history',
        async () => {
          const s = await md.call<FeedStatus>('getFeedStatus', {});
          const published = s.venues.reduce((n, v) => n + Number(v.eventsPublished), 0);
          return published > 0 && Number(s.historyRowsWritten) > 0 && s.books.length > 0 ? s : undefined;
        },
        30_000,
      );
      const instrumentId = status.books[0]!.instrumentId;
      // History: trades of the instrument are queryable from market-data's ClickHouse.
      const trades = await waitFor(
        'trades in history',
        async () => {
          const r = await md.call<{ trades: { instrumentId: string; price: string }[] }>('listTrades', {
            instrumentId,
            range: { from: { unixMicros: '0' } },
            page: { pageSize: 10 },
          });
          return r.trades.length > 0 ? r.trades : undefined;
        },
        30_000,
      );
      assert.ok(trades.every((t) => t.instrumentId === instrumentId));
      // Kafka: aggregation only sees trades through the `trades` topic.
      const bar = await waitFor(
        'a forming bar with volume',
        async () => {
          const r = await agg
            .call<{ bar?: { volume: string } }>('getFormingBar', { instrumentId, barType: '1m' })
            .catch(() => undefined);
          return r?.bar && BigInt(r.bar.volume) > 0n ? r.bar : undefined;
        },
        30_000,
      );
      assert.ok(BigInt(bar.volume) > 0n);
    } finally {
      md.close();
      agg.close();
    }
  });

  test('through the gateway: live quotes of the simulated market within a second, and its history', async () => {
    const md = grpcClient('market-data', `127.0.0.1:${mesh.grpc['market-data']}`);
    const status = await waitFor('a book of the simulated market', async () => {
      const s = await md.call<{ books: { instrumentId: string }[] }>('getFeedStatus', {});
      return s.books.length > 0 ? s : undefined;
    });
    md.close();
    const instrumentId = status.books[0]!.instrumentId;
    const headers = await auth();
    const ws = createClient({
      url: mesh.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: headers.authorization },
      retryAttempts: 0,
    });
    try {
      const subscribed = Date.now();
      const first = await new Promise<{ instrumentId: string; publishTime: string }>((resolve, reject) => {
        const stop = ws.subscribe<{ quotes: { instrumentId: string; publishTime: string } }>(
          {
            query: `subscription { quotes(instrumentIds: ["${instrumentId}"]) { instrumentId publishTime } }`,
          },
          {
            next: (msg) => {
              if (msg.errors) reject(new Error(JSON.stringify(msg.errors)));
              else if (msg.data) {
                stop();
                resolve(msg.data.quotes);
              }
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      const waitedMs = Date.now() - subscribed;
      console.log(`# first live quote of ${instrumentId} after ${waitedMs} ms`);
      assert.equal(first.instrumentId, instrumentId);
      assert.ok(waitedMs < 1000, `first quote after ${waitedMs} ms`);
    } finally {
      await ws.dispose();
    }
    // History: the trades market-data ingested, read back through the gateway.
    const trades = await waitFor('trades history through the gateway', async () => {
      const r = await graphql<{ trades: { edges: { node: { instrumentId: string; price: string } }[] } }>(
        mesh.gatewayUrl,
        `{ trades(instrumentId: "${instrumentId}", from: "1970-01-01T00:00:00.000000Z", first: 5) { edges { node { instrumentId price } } } }`,
        undefined,
        headers,
      );
      if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
      return r.body.data!.trades.edges.length > 0 ? r.body.data!.trades.edges : undefined;
    });
    assert.ok(
      trades.every((e) => e.node.instrumentId === instrumentId && /^\d+(\.\d+)?$/.test(e.node.price)),
    );
  });

  test('GraphQL instruments come from the seed through gateway -> gRPC -> symbol', async () => {
    const expected = loadSeedFile(SEED)
      .map((i) => i.instrumentId)
      .sort();
    const res = await graphql<{
      instruments: {
        totalCount: number;
        edges: { node: { id: string; tickSize: string; assetClass: string } }[];
      };
    }>(
      mesh.gatewayUrl,
      '{ instruments(first: 500) { totalCount edges { node { id tickSize assetClass } } } }',
      undefined,
      await auth(),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(
      res.body.data!.instruments.edges.map((e) => e.node.id),
      expected,
    );
    assert.equal(res.body.data!.instruments.totalCount, expected.length);
    const eurusd = res.body.data!.instruments.edges.find((e) => e.node.id === 'EURUSD.EBSM')!.node;
    assert.deepEqual(eurusd, { id: 'EURUSD.EBSM', tickSize: '0.00001', assetClass: 'FX_SPOT' });
  });

  test('the trace context of a request reaches the symbol service across gRPC', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await graphql(mesh.gatewayUrl, '{ instrument(id: "ESZ6.XCME") { id } }', undefined, {
      ...(await auth()),
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    assert.equal(res.body.errors, undefined);
    const symbolLog = path.join(mesh.env.TAPELINE_DATA_DIR!, 'logs/symbol.log');
    const traced = await waitForLog(
      symbolLog,
      (l) => l.trace_id === traceId && l.msg === 'grpc call handled',
    );
    assert.equal(traced.grpc_method, 'SymbolController.getInstrument');
  });

  test('unknown ids and malformed documents get typed GraphQL errors, not stack traces', async () => {
    const unknown = await graphql(
      mesh.gatewayUrl,
      '{ instrument(id: "NOPE.XNAS") { id } }',
      undefined,
      await auth(),
    );
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const malformedId = await graphql(
      mesh.gatewayUrl,
      '{ instrument(id: "no such thing") { id } }',
      undefined,
      await auth(),
    );
    assert.equal(malformedId.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const parse = await graphql(mesh.gatewayUrl, '{ instrument(id: ');
    assert.equal(parse.status, 400);
    assert.equal(parse.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
    const invalid = await graphql(mesh.gatewayUrl, '{ instruments { nope } }');
    assert.equal(invalid.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    const badPage = await graphql(
      mesh.gatewayUrl,
      '{ instruments(first: 0) { totalCount } }',
      undefined,
      await auth(),
    );
    assert.equal(badPage.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    for (const r of [unknown, malformedId, parse, invalid, badPage]) {
      assert.doesNotMatch(JSON.stringify(r.body), /\s+at \S+ \(|127\.0\.0\.1|stack/);
    }
  });

  test('SIGTERM stops every process cleanly and leaves nothing listening', async () => {
    launcher.kill('SIGTERM');
    const { code } = await launcher.exited;
    assert.equal(code, 0, launcher.output.split('\n').slice(-5).join('\n'));
    assert.match(launcher.output, /tapeline: stopped cleanly/);
    for (const port of [
      ...Object.values(mesh.grpc),
      Number(mesh.env.GATEWAY_PORT),
      Number(mesh.env.KAFKA_DEV_PORT),
    ]) {
      assert.equal(await isPortOpen(port), false, `port ${port} closed`);
    }
  });
});

test('a service that crashes is reported with its last log lines, and the launcher exits non-zero', async () => {
  const mesh = await meshEnv({ SYMBOL_SEED_FILE: '/nonexistent/instruments.yaml' });
  const launcher = new RunningProcess(LAUNCHER, mesh.env);
  const { code } = await launcher.exited;
  assert.equal(code, 1);
  assert.match(launcher.output, /symbol exited unexpectedly \(code 1\)/);
  assert.match(launcher.output, /\| .*SYMBOL_SEED_FILE: instrument seed \/nonexistent\/instruments\.yaml/);
  for (const port of [...Object.values(mesh.grpc), Number(mesh.env.GATEWAY_PORT)]) {
    assert.equal(await isPortOpen(port), false, `port ${port} closed`);
  }
});

async function waitForLog(file: string, match: (l: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const hit = readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .find(match);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no matching log line in ${file}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
