import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { loadSeedFile } from '@tapeline/instruments';
import { freePort, grpcClient, isPortOpen, startService, waitFor } from '@tapeline/test-kit';
import { DEFAULT_SEED_FILE } from './config';

const seedIds = loadSeedFile(DEFAULT_SEED_FILE)
  .map((i) => i.instrumentId)
  .sort();

async function startSymbol(extra: Record<string, string> = {}) {
  const grpcPort = await freePort();
  const metricsPort = await freePort();
  const proc = startService('symbol', {
    GRPC_PORT: String(grpcPort),
    METRICS_PORT: String(metricsPort),
    ...extra,
  });
  const health = grpcClient('health', `127.0.0.1:${grpcPort}`);
  await waitFor(
    'symbol SERVING',
    async () => (await health.call<{ status: number }>('check', { service: '' })).status === 1,
  );
  return { proc, grpcPort, metricsPort, health };
}

describe('symbol service over gRPC', () => {
  let svc: Awaited<ReturnType<typeof startSymbol>>;
  let client: ReturnType<typeof grpcClient>;
  before(async () => {
    svc = await startSymbol();
    client = grpcClient('symbol', `127.0.0.1:${svc.grpcPort}`);
  });
  after(async () => {
    client.close();
    svc.health.close();
    svc.proc.kill();
    await svc.proc.exited;
  });

  test('pages through the whole seeded master in id order', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await client.call<{
        instruments: { instrumentId: string }[];
        pageInfo: { nextPageToken: string; totalSize: number };
      }>('listInstruments', { page: { pageSize: 5, pageToken: token } });
      assert.equal(res.pageInfo.totalSize, seedIds.length);
      seen.push(...res.instruments.map((i) => i.instrumentId));
      token = res.pageInfo.nextPageToken;
      pages += 1;
    } while (token);
    assert.deepEqual(seen, seedIds);
    assert.equal(pages, Math.ceil(seedIds.length / 5));
  });

  test('returns fixed-point fields exactly as the seed states them', async () => {
    const res = await client.call<{ instrument: Record<string, unknown> }>('getInstrument', {
      instrumentId: 'EURUSD.EBSM',
    });
    assert.deepEqual(res.instrument.tickSize, { mantissa: '1', scale: 5 });
    assert.deepEqual(res.instrument.lotSize, { mantissa: '1000', scale: 0 });
    assert.equal(res.instrument.priceScale, 5);
    const es = await client.call<{ instrument: Record<string, unknown> }>('resolveVenueSymbol', {
      venue: 'XCME',
      symbol: 'ESZ6',
    });
    assert.equal(es.instrument.instrumentId, 'ESZ6.XCME');
    assert.deepEqual(es.instrument.multiplier, { mantissa: '50', scale: 0 });
  });

  test('answers unknown and malformed requests with typed status codes', async () => {
    const cases: [string, object, status, RegExp][] = [
      ['getInstrument', { instrumentId: 'NOPE.XNAS' }, status.NOT_FOUND, /instrument "NOPE.XNAS" not found/],
      [
        'getInstrument',
        { instrumentId: 'not an id' },
        status.INVALID_ARGUMENT,
        /not of the form SYMBOL\.VENUE/,
      ],
      ['getInstrument', {}, status.INVALID_ARGUMENT, /instrument_id is required/],
      [
        'resolveVenueSymbol',
        { venue: 'BINANCE', symbol: 'DOGEUSDT' },
        status.NOT_FOUND,
        /no instrument for symbol/,
      ],
      ['listInstruments', { page: { pageToken: 'garbage' } }, status.INVALID_ARGUMENT, /page_token/],
      [
        'listInstruments',
        { assetClasses: [42] },
        status.INVALID_ARGUMENT,
        /asset_classes contains an invalid value 42/,
      ],
    ];
    for (const [method, req, code, message] of cases) {
      await assert.rejects(client.call(method, req), (err: { code: number; details: string }) => {
        assert.equal(err.code, code, `${method} ${JSON.stringify(req)}`);
        assert.match(err.details, message);
        assert.doesNotMatch(err.details, /\n\s+at /, 'no stack trace leaks');
        return true;
      });
    }
    const alive = await svc.health.call<{ status: number }>('check', { service: '' });
    assert.equal(alive.status, 1, 'still SERVING after bad requests');
  });

  test('health knows its own service name and refuses others', async () => {
    const own = await svc.health.call<{ status: number }>('check', {
      service: 'tapeline.symbol.v1.SymbolService',
    });
    assert.equal(own.status, 1);
    await assert.rejects(svc.health.call('check', { service: 'tapeline.nope.v1.Nope' }), {
      code: status.NOT_FOUND,
    });
  });

  test('exports Prometheus metrics including per-method gRPC counts', async () => {
    const text = await (await fetch(`http://127.0.0.1:${svc.metricsPort}/metrics`)).text();
    assert.match(
      text,
      /grpc_server_handled_total\{grpc_method="SymbolController.getInstrument",grpc_code="NOT_FOUND",service="symbol"\} [1-9]/,
    );
    assert.match(text, /process_resident_memory_bytes\{service="symbol"\}/);
  });
});

describe('instrument administration over gRPC', () => {
  let svc: Awaited<ReturnType<typeof startSymbol>>;
  let client: ReturnType<typeof grpcClient>;
  before(async () => {
    svc = await startSymbol();
    client = grpcClient('symbol', `127.0.0.1:${svc.grpcPort}`);
  });
  after(async () => {
    client.close();
    svc.health.close();
    svc.proc.kill();
    await svc.proc.exited;
  });

  const actor = { userId: 'ops-admin', clientId: '', desk: 'OPS', role: 'admin' };
  const dec = (mantissa: string, scale: number) => ({ mantissa, scale });
  const definition = {
    instrumentId: 'PLTR.XNAS',
    symbol: 'PLTR',
    description: 'Palantir Technologies class A',
    assetClass: 1, // EQUITY
    venue: 'XNAS',
    currency: 'USD',
    priceScale: 2,
    sizeScale: 0,
    tickSize: dec('1', 2),
    lotSize: dec('1', 0),
    venueSymbols: [
      { venue: 'XNAS', symbol: 'PLTR' },
      { venue: 'SIM', symbol: 'PLTR' },
    ],
    sessions: [
      {
        name: 'regular',
        timeZone: 'America/New_York',
        openTime: '09:30',
        closeTime: '16:00',
        weekdays: [1, 2, 3, 4, 5],
      },
    ],
  };
  type Wire = { instrumentId: string; status: string | number; tickSize: unknown; description: string };
  const refused = async (method: string, req: object, code: status, message: RegExp) =>
    assert.rejects(client.call(method, req), (err: { code: number; details: string }) => {
      assert.equal(err.code, code, `${method}: ${err.details}`);
      assert.match(err.details, message);
      return true;
    });

  test('a created instrument is listed, resolvable by its venue symbols, and audit-logged', async () => {
    const res = await client.call<{ instrument: Wire }>('createInstrument', {
      actor,
      instrument: definition,
    });
    assert.equal(res.instrument.instrumentId, 'PLTR.XNAS');
    const got = await client.call<{ instrument: Wire }>('getInstrument', { instrumentId: 'PLTR.XNAS' });
    assert.deepEqual(got.instrument.tickSize, { mantissa: '1', scale: 2 });
    const bySim = await client.call<{ instrument: Wire }>('resolveVenueSymbol', {
      venue: 'SIM',
      symbol: 'PLTR',
    });
    assert.equal(bySim.instrument.instrumentId, 'PLTR.XNAS');
    const list = await client.call<{ pageInfo: { totalSize: number } }>('listInstruments', {});
    assert.equal(list.pageInfo.totalSize, seedIds.length + 1);
    const line = await svc.proc.waitForLine(/"action":"instrument.create"/, 5000);
    assert.match(line, /"audit":true/);
    assert.match(line, /"userId":"ops-admin"/);
  });

  test('bad definitions are INVALID_ARGUMENT naming each field; taken ids and symbols ALREADY_EXISTS', async () => {
    await refused(
      'createInstrument',
      { actor, instrument: { ...definition, instrumentId: 'AMD.XNAS', symbol: '', tickSize: dec('0', 0) } },
      status.INVALID_ARGUMENT,
      /instrument\.tickSize: must be positive, got 0; .*instrument\.symbol: is required/,
    );
    await refused(
      'createInstrument',
      { actor, instrument: { ...definition, instrumentId: 'AMD.XNYS', venueSymbols: [] } },
      status.INVALID_ARGUMENT,
      /instrument\.instrumentId: must end with "\.XNAS"/,
    );
    await refused(
      'createInstrument',
      {
        actor,
        instrument: {
          ...definition,
          instrumentId: 'AMD.XNAS',
          venueSymbols: [],
          sessions: [{ ...definition.sessions[0], openTime: '9:30' }],
        },
      },
      status.INVALID_ARGUMENT,
      /instrument\.sessions\[0\]\.openTime: "9:30" is not HH:MM/,
    );
    await refused('createInstrument', { actor }, status.INVALID_ARGUMENT, /^instrument: is required/);
    await refused(
      'createInstrument',
      { actor, instrument: definition },
      status.ALREADY_EXISTS,
      /PLTR\.XNAS already exists/,
    );
    await refused(
      'createInstrument',
      { actor, instrument: { ...definition, instrumentId: 'PLTR2.XNAS', symbol: 'PLTR2' } },
      status.ALREADY_EXISTS,
      /instrument\.venueSymbols\.XNAS: "PLTR" is already mapped to PLTR\.XNAS/,
    );
  });

  test('an update replaces the definition but not the id, venue, asset class, scales or status', async () => {
    await client.call('setInstrumentStatus', {
      actor,
      instrumentId: 'PLTR.XNAS',
      status: 2,
      reason: 'news pending',
    });
    const res = await client.call<{ instrument: Wire }>('updateInstrument', {
      actor,
      instrument: { ...definition, description: 'Palantir Technologies', tickSize: dec('5', 2) },
    });
    assert.equal(res.instrument.description, 'Palantir Technologies');
    assert.deepEqual(res.instrument.tickSize, { mantissa: '5', scale: 2 });
    assert.equal(res.instrument.status, 2, 'the status stays');
    await refused(
      'updateInstrument',
      { actor, instrument: { ...definition, priceScale: 4, tickSize: dec('1', 4) } },
      status.INVALID_ARGUMENT,
      /instrument\.priceScale: cannot change \(2 -> 4\)/,
    );
    await refused(
      'updateInstrument',
      { actor, instrument: { ...definition, instrumentId: 'NOPE.XNAS' } },
      status.NOT_FOUND,
      /instrument "NOPE\.XNAS" not found/,
    );
    await svc.proc.waitForLine(/"action":"instrument.update".*"before"/, 5000);
  });

  test('halt, resume and delist change the status the queries and filters see, with the reason logged', async () => {
    const halt = await client.call<{ instrument: Wire; previousStatus: number }>('setInstrumentStatus', {
      actor,
      instrumentId: 'AAPL.XNAS',
      status: 2, // HALTED
      reason: 'volatility halt',
    });
    assert.equal(halt.instrument.status, 2);
    assert.equal(halt.previousStatus, 1);
    const halted = await client.call<{ instruments: Wire[] }>('listInstruments', { statuses: [2] });
    assert.ok(halted.instruments.some((i) => i.instrumentId === 'AAPL.XNAS'));
    await svc.proc.waitForLine(/"action":"instrument.status".*"reason":"volatility halt"/, 5000);
    const resumed = await client.call<{ instrument: Wire }>('setInstrumentStatus', {
      actor,
      instrumentId: 'AAPL.XNAS',
      status: 1,
      reason: 'resumed',
    });
    assert.equal(resumed.instrument.status, 1);
    await client.call('setInstrumentStatus', {
      actor,
      instrumentId: 'PLTR.XNAS',
      status: 4,
      reason: 'delisted',
    });
    const got = await client.call<{ instrument: Wire }>('getInstrument', { instrumentId: 'PLTR.XNAS' });
    assert.equal(got.instrument.status, 4);
    await refused(
      'setInstrumentStatus',
      { actor, instrumentId: 'AAPL.XNAS', status: 2, reason: ' ' },
      status.INVALID_ARGUMENT,
      /reason: is required/,
    );
    await refused(
      'setInstrumentStatus',
      { actor, instrumentId: 'AAPL.XNAS', status: 0, reason: 'x' },
      status.INVALID_ARGUMENT,
      /status: invalid value 0/,
    );
    await refused(
      'setInstrumentStatus',
      { actor, instrumentId: 'NOPE.XNAS', status: 2, reason: 'x' },
      status.NOT_FOUND,
      /not found/,
    );
  });
});

test('refuses bad configuration at boot, naming every bad variable in one message', async () => {
  const proc = startService('symbol', {
    GRPC_PORT: 'abc',
    LOG_LEVEL: 'loud',
    SHUTDOWN_TIMEOUT_MS: '20000',
    SYMBOL_SEED_FILE: '/nonexistent/instruments.yaml',
  });
  const { code } = await proc.exited;
  assert.equal(code, 1);
  const out = proc.output;
  assert.match(out, /invalid configuration for symbol: 4 problem\(s\)/);
  assert.match(out, /GRPC_PORT: must be a TCP port 1-65535, got "abc"/);
  assert.match(out, /LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, got "loud"/);
  assert.match(out, /SHUTDOWN_TIMEOUT_MS: must be between 100 and 9500, got 20000/);
  assert.match(
    out,
    /SYMBOL_SEED_FILE: instrument seed \/nonexistent\/instruments.yaml has 1 problem\(s\):\n +- cannot read file/,
  );
  assert.doesNotMatch(out, /\n\s+at /, 'a config error is a message, not a stack trace');
});

test('on SIGTERM: NOT_SERVING, open streams end cleanly, no call is cut, exit 0 within 10 s', async () => {
  const svc = await startSymbol();
  const client = grpcClient('symbol', `127.0.0.1:${svc.grpcPort}`);
  await client.call('getInstrument', { instrumentId: 'AAPL.XNAS' });

  // A Health/Watch stream stays open until the server ends it.
  const watched: number[] = [];
  const watch = (svc.health as unknown as { raw: { watch(req: object): NodeJS.EventEmitter } }).raw.watch({
    service: '',
  });
  const streamEnd = new Promise<{ code: number }>((resolve) => {
    watch.on('data', (m: { status: number }) => watched.push(m.status));
    watch.on('status', (s: { code: number }) => resolve(s));
    watch.on('error', () => undefined);
  });
  await waitFor('first Watch update', async () => watched.length > 0);

  // A stream of calls; SIGTERM goes once the server has answered one of them, so the rest are in
  // flight or queued. The deadline is generous: a loaded CI machine must not turn into timeouts.
  const calls: Promise<unknown>[] = [];
  const firstServed = new Promise<void>((resolve) => {
    for (let i = 0; i < 200; i++) {
      calls.push(client.call('listInstruments', { page: { pageSize: 500 } }, 60_000).then(() => resolve()));
    }
  });
  await firstServed;
  svc.proc.kill('SIGTERM');
  const started = Date.now();
  const results = await Promise.allSettled(calls);
  const end = await streamEnd;
  const { code } = await svc.proc.exited;
  const elapsed = Date.now() - started;

  assert.equal(code, 0);
  assert.ok(elapsed < 10_000, `exited within 10 s (took ${elapsed} ms)`);
  assert.deepEqual(watched.slice(-1), [2], 'the watcher is told NOT_SERVING');
  assert.equal(end.code, status.OK, 'the Watch stream is completed, not cancelled');
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter(
    (r) => r.status === 'rejected' && (r.reason as { code: number }).code === status.UNAVAILABLE,
  ).length;
  assert.ok(ok > 0, 'calls already accepted were served');
  // Calls are either served in full or refused before being accepted (UNAVAILABLE: retryable
  // elsewhere); none is cut off half-way (CANCELLED, INTERNAL).
  assert.equal(ok + refused, results.length);
  assert.equal(await isPortOpen(svc.grpcPort), false);
  assert.ok(svc.proc.logs().some((l) => l.msg === 'stopped'));
  client.close();
  svc.health.close();
});
