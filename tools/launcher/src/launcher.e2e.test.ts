import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSeedFile } from '@tapeline/instruments';
import { freePort, graphql, grpcClient, isPortOpen, RunningProcess, REPO_ROOT } from '@tapeline/test-kit';
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
    const unknown = await graphql(mesh.gatewayUrl, '{ instrument(id: "NOPE.XNAS") { id } }');
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const malformedId = await graphql(mesh.gatewayUrl, '{ instrument(id: "no such thing") { id } }');
    assert.equal(malformedId.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const parse = await graphql(mesh.gatewayUrl, '{ instrument(id: ');
    assert.equal(parse.status, 400);
    assert.equal(parse.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
    const invalid = await graphql(mesh.gatewayUrl, '{ instruments { nope } }');
    assert.equal(invalid.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    const badPage = await graphql(mesh.gatewayUrl, '{ instruments(first: 0) { totalCount } }');
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
