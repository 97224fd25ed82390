import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { AccessTokenIssuer, authorize, permissionsOf, type Permission, type Role } from '@tapeline/auth';
import { eventsV1, omsV1 } from '@tapeline/contracts';
import { devClientToken, freePort, graphql, type RunningProcess } from '@tapeline/test-kit';
import { toAlert } from './alerts/alert.model';
import { RecentAlerts } from './alerts/recent-alerts';
import { toBar } from './analytics/analytics.model';
import { DEV_CLIENTS_FILE } from './auth/auth.config';
import { AUTH_RUNTIME, type AuthRuntime } from './auth/auth-runtime';
import { resolverPermissions } from './auth/resolver-permissions';
import { createGatewayApp } from './gateway-app';
import { MarketHub } from './live/market-hub';
import { toQuote, toTrade } from './market/market.model';
import { startAccountsOnlyOms } from './testing/accounts-only-oms';
import { gatewayWsClient, startSymbol } from './testing/live-mesh';
import { toExecution, toOrder, toPosition } from './trading/trading.model';

// The gateway's real module tree in this process (no bus: events go straight into its hub), the
// real symbol service beside it, and market-data and aggregation absent, as when they are down.
const DEV = parse(readFileSync(DEV_CLIENTS_FILE, 'utf8')) as {
  clients: { client_id: string; client_secret: string; role: Role; desk: string }[];
};
const ID = 'EURUSD.EBSM';
const FROM = '2026-01-01T00:00:00Z';

const ADMIN_INPUT =
  'id: "MATRIX.XNAS", symbol: "MATRIX", assetClass: EQUITY, venue: "XNAS", ' +
  'currency: "USD", priceScale: 2, sizeScale: 0, tickSize: "0.01", lotSize: "1"';

/** One call per root field of the schema; the test checks that no root field is missing here. */
const OPERATIONS: Record<string, string> = {
  'Query.instruments': '{ instruments(first: 2) { totalCount } }',
  'Query.instrument': `{ instrument(id: "${ID}") { id } }`,
  'Query.quote': `{ quote(instrumentId: "${ID}") { bidPrice } }`,
  'Query.book': `{ book(instrumentId: "${ID}", depth: 5) { sequence } }`,
  'Query.trades': `{ trades(instrumentId: "${ID}", from: "${FROM}") { totalCount } }`,
  'Query.quotes': `{ quotes(instrumentId: "${ID}", from: "${FROM}") { totalCount } }`,
  'Query.bars': `{ bars(instrumentId: "${ID}", barType: "1m", from: "${FROM}") { totalCount } }`,
  'Query.formingBar': `{ formingBar(instrumentId: "${ID}", barType: "1m") { close } }`,
  'Query.vwap': `{ vwap(instrumentId: "${ID}") { vwap } }`,
  'Query.delta': `{ delta(instrumentId: "${ID}", barType: "1m", from: "${FROM}") { bars { delta } } }`,
  'Query.volumeProfile': `{ volumeProfile(instrumentId: "${ID}") { pocPrice } }`,
  'Query.heatmap': `{ heatmap(instrumentId: "${ID}", from: "${FROM}") { prices } }`,
  'Query.indicators': `{ indicators(instrumentId: "${ID}", barType: "1m", kinds: [RSI]) { kind } }`,
  'Query.alerts': `{ alerts(instrumentId: "${ID}") { alertId } }`,
  'Subscription.quotes': `subscription { quotes(instrumentIds: ["${ID}"]) { bidPrice askPrice publishTime } }`,
  'Subscription.trades': `subscription { trades(instrumentIds: ["${ID}"]) { price aggressorSide } }`,
  'Subscription.depth': `subscription { depth(instrumentIds: ["${ID}"]) { kind sequence } }`,
  'Subscription.bars': `subscription { bars(instrumentIds: ["${ID}"], barTypes: ["1m"]) { close closed } }`,
  'Subscription.alerts': `subscription { alerts(instrumentIds: ["${ID}"]) { message raisedAt } }`,
  // Trading: each acts on a resource of the FX desk (account FX-ALPHA, or the desk itself).
  'Query.order': `{ order(accountId: "FX-ALPHA", clOrdId: "C1") { status } }`,
  'Query.orders': `{ orders(accountIds: ["FX-ALPHA"]) { totalCount } }`,
  'Query.executions': `{ executions(accountIds: ["FX-ALPHA"]) { totalCount } }`,
  'Query.positions': `{ positions(accountIds: ["FX-ALPHA"]) { positions { quantity } } }`,
  'Query.riskReport': `{ riskReport(desk: "FX") { grossExposure } }`,
  'Query.limits': `{ limits { engagedKillSwitches } }`,
  'Query.journal': `{ journal(accountId: "FX-ALPHA") { totalCount } }`,
  'Query.verifyJournal': `{ verifyJournal(fromSequence: "1") { ok } }`,
  'Mutation.submitOrder': `mutation { submitOrder(input: { accountId: "FX-ALPHA", clOrdId: "C1", instrumentId: "${ID}", side: BUY, ordType: LIMIT, orderQty: "1000", price: "1.08" }) { duplicate } }`,
  'Mutation.cancelOrder': `mutation { cancelOrder(input: { accountId: "FX-ALPHA", clOrdId: "C2", origClOrdId: "C1" }) { status } }`,
  'Mutation.replaceOrder': `mutation { replaceOrder(input: { accountId: "FX-ALPHA", clOrdId: "C3", origClOrdId: "C1", price: "1.07" }) { duplicate } }`,
  'Mutation.setKillSwitch': `mutation { setKillSwitch(scope: DESK, target: "FX", engaged: true) { engaged } }`,
  'Mutation.setRiskLimit': `mutation { setRiskLimit(scope: DESK, target: "FX", control: "max_order_qty", value: "10") { value } }`,
  'Subscription.orderUpdates': `subscription { orderUpdates(accountIds: ["FX-ALPHA"]) { status } }`,
  'Subscription.executions': `subscription { executions(accountIds: ["FX-ALPHA"]) { execType } }`,
  'Subscription.positions': `subscription { positions(accountIds: ["FX-ALPHA"]) { quantity } }`,
  'Subscription.riskAlerts': `subscription { riskAlerts { message } }`,
  // Instrument administration, on an instrument of its own: created first, so update and status find it.
  'Mutation.createInstrument': `mutation { createInstrument(input: { ${ADMIN_INPUT}, description: "Matrix" }) { id status } }`,
  'Mutation.updateInstrument': `mutation { updateInstrument(input: { ${ADMIN_INPUT}, description: "Matrix, updated" }) { id description } }`,
  'Mutation.setInstrumentStatus': `mutation { setInstrumentStatus(id: "MATRIX.XNAS", status: ACTIVE, reason: "matrix") { status } }`,
};

/** The desk whose resource an operation acts on (account FX-ALPHA is the FX desk's); unset: none. */
const RESOURCE_DESK: Record<string, string> = Object.fromEntries(
  Object.entries(OPERATIONS)
    .filter(([, doc]) => /"FX(-ALPHA)?"/.test(doc))
    .map(([field]) => [field, 'FX']),
);

/** The same trading operations on the EQ desk's account EQ-CASH-1: another desk for the FX roles. */
const OTHER_DESK: Record<string, string> = Object.fromEntries(
  Object.entries(OPERATIONS)
    .filter(([field]) => RESOURCE_DESK[field] === 'FX')
    .map(([field, doc]) => [field, doc.replaceAll('"FX-ALPHA"', '"EQ-CASH-1"').replaceAll('"FX"', '"EQ"')]),
);

/** What the table says a dev client of `role` gets for `field`: allowed, or FORBIDDEN. */
function expectedOf(
  role: Role,
  permission: Permission,
  resourceDesk: string | undefined,
  withheld?: Permission,
) {
  const desk = DEV.clients.find((c) => c.role === role)!.desk;
  const scopes = permissionsOf(role).filter((p) => p !== withheld);
  return authorize({ role, desk, scopes }, permission, resourceDesk).allowed ? 'allowed' : 'FORBIDDEN';
}

/** A message with every field at its protobuf default. */
const blank = <M>(fns: { decode(input: Uint8Array): M }): M => fns.decode(new Uint8Array(0));

// Wire events as market-data and aggregation publish them (hand-made: EUR/USD at scale 5).
const T = 1_700_000_000_000_000; // 2023-11-14T22:13:20Z in µs
const QUOTE: eventsV1.QuoteEvent = {
  ...blank(eventsV1.QuoteEvent),
  instrumentId: ID,
  venue: 'EBSM',
  sequence: '42',
  priceScale: 5,
  sizeScale: 0,
  bidPrice: '108765',
  bidSize: '1000000',
  askPrice: '108767',
  askSize: '2000000',
  exchangeTimeMicros: String(T + 1),
  receiveTimeMicros: String(T + 2),
  publishTimeMicros: String(T + 123_456),
};

/**
 * Allowed: whatever the backend says (data, SERVICE_UNAVAILABLE while it is down, or CONFLICT when
 * createInstrument runs again for another token).
 */
const ALLOWED = new Set(['DATA', 'SERVICE_UNAVAILABLE', 'CONFLICT']);

let symbol: RunningProcess;
let oms: Awaited<ReturnType<typeof startAccountsOnlyOms>>;
let app: NestFastifyApplication;
let base: string;
const tokens = new Map<string, string>();

async function token(role: Role, scopes?: readonly Permission[]): Promise<string> {
  const key = `${role} ${scopes?.join(' ') ?? '*'}`;
  const cached = tokens.get(key);
  if (cached) return cached;
  const c = DEV.clients.find((x) => x.role === role)!;
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: c.client_secret,
      ...(scopes ? { scope: scopes.join(' ') } : {}),
    }).toString(),
  });
  const body = (await res.json()) as { access_token: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  tokens.set(key, body.access_token);
  return body.access_token;
}

async function query(doc: string, accessToken?: string, variables?: Record<string, unknown>) {
  return graphql(
    `${base}/graphql`,
    doc,
    variables,
    accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  );
}

function argumentOf(res: Awaited<ReturnType<typeof query>>): string | undefined {
  return (res.body.errors?.[0]?.extensions as { argument?: string } | undefined)?.argument;
}

function outcomeOf(res: Awaited<ReturnType<typeof query>>): string {
  return res.body.errors?.[0]?.extensions?.code ?? 'DATA';
}

const wsClient = (accessToken: string | undefined): Client => gatewayWsClient(base, accessToken);

/** The first thing a subscription yields: DATA, or the code of its error. */
function firstOutcome(client: Client, doc: string): Promise<{ outcome: string; value?: unknown }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: { outcome: string; value?: unknown }) => {
      if (done) return;
      done = true;
      unsubscribe();
      resolve(r);
    };
    const unsubscribe = client.subscribe(
      { query: doc },
      {
        next: (v) =>
          finish(
            v.errors
              ? { outcome: String(v.errors[0]?.extensions?.code) }
              : { outcome: 'DATA', value: v.data },
          ),
        error: (err) => {
          const first = Array.isArray(err) ? (err[0] as { extensions?: { code?: string } }) : undefined;
          finish({ outcome: first?.extensions?.code ?? `CLOSED:${(err as { code?: number }).code}` });
        },
        complete: () => finish({ outcome: 'COMPLETE' }),
      },
    );
  });
}

/** Keeps one event of every channel flowing into the hub while subscriptions start. */
function feedHub(): () => void {
  const hub = app.get(MarketHub);
  const recent = app.get(RecentAlerts);
  let n = 0;
  const timer = setInterval(() => {
    n++;
    hub.publish('quotes', ID, toQuote({ ...QUOTE, sequence: String(100 + n) }));
    hub.publish(
      'trades',
      ID,
      toTrade({
        ...blank(eventsV1.TradeEvent),
        instrumentId: ID,
        sequence: String(n),
        price: '108766',
        size: '500000',
        priceScale: 5,
        aggressorSide: 1,
        publishTimeMicros: String(T),
        exchangeTimeMicros: String(T),
        receiveTimeMicros: String(T),
      }),
    );
    hub.publish(
      'bars',
      ID,
      toBar({ ...blank(eventsV1.BarEvent), instrumentId: ID, barType: '1m', openTimeMicros: String(T + n) }),
    );
    const alert = toAlert({
      ...blank(eventsV1.AlertEvent),
      alertId: `a${n}`,
      instrumentId: ID,
      kind: 1,
      severity: 2,
      message: `price above 1.08`,
      raisedAtMicros: String(T + 123_456),
    });
    recent.add(alert);
    hub.publish('alerts', ID, alert);
    hub.publish(
      'alerts',
      '',
      toAlert({
        ...blank(eventsV1.AlertEvent),
        alertId: `r${n}`,
        kind: eventsV1.AlertKind.ALERT_KIND_RISK,
        severity: 3,
        message: 'kill switch account:FX-ALPHA engaged by risk',
        attributes: { account_id: 'FX-ALPHA' },
        raisedAtMicros: String(T),
      }),
    );
    const order = {
      ...blank(eventsV1.OrderEvent),
      accountId: 'FX-ALPHA',
      instrumentId: ID,
      transactTimeMicros: String(T),
    };
    hub.publish('orderUpdates', 'FX-ALPHA', toOrder(order));
    hub.publish(
      'executions',
      'FX-ALPHA',
      toExecution({
        ...blank(eventsV1.ExecutionEvent),
        accountId: 'FX-ALPHA',
        transactTimeMicros: String(T),
      }),
    );
    hub.publish(
      'positions',
      'FX-ALPHA',
      toPosition({ ...blank(omsV1.Position), accountId: 'FX-ALPHA', instrumentId: ID }),
    );
  }, 20);
  return () => clearInterval(timer);
}

before(async () => {
  const started = await startSymbol();
  symbol = started.proc;
  oms = await startAccountsOnlyOms();
  app = await createGatewayApp({
    SYMBOL_GRPC_ADDR: started.addr,
    // Accounts and their desks only (the desk rule); every other oms call is SERVICE_UNAVAILABLE.
    OMS_GRPC_ADDR: oms.addr,
    RISK_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
    // Nothing listens on these: the backends are down.
    MARKET_DATA_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
    AGGREGATION_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
    GATEWAY_RATE_LIMIT_PER_S: '100000',
    GATEWAY_RATE_LIMIT_BURST: '100000',
    GATEWAY_MAX_QUERY_DEPTH: '4',
    GATEWAY_MAX_QUERY_COMPLEXITY: '1000',
    GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION: '50',
  });
  await app.listen(0, '127.0.0.1');
  base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
});

after(async () => {
  await app?.close();
  await oms?.close();
  symbol?.kill('SIGTERM');
  await symbol?.exited;
});

describe('the permission matrix, generated from the permission table', () => {
  const declared = () =>
    new Map(
      resolverPermissions(app.get(DiscoveryService), app.get(MetadataScanner)).map((r) => [
        r.field,
        r.permission!,
      ]),
    );
  const roles = [...new Set(DEV.clients.map((c) => c.role))];

  test('every root field of the schema has a case', () => {
    const schema = app.get(GraphQLSchemaHost).schema;
    const fields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap(
      (t) => Object.keys(t?.getFields() ?? {}).map((f) => `${t!.name}.${f}`),
    );
    assert.deepEqual(fields.sort(), Object.keys(OPERATIONS).sort());
    const permissionOf = declared();
    for (const f of fields) assert.ok(permissionOf.has(f), `${f} declares a permission`);
  });

  test('every role against every query: allowed exactly where the table grants the permission', async () => {
    const permissionOf = declared();
    for (const role of roles) {
      const bearer = await token(role);
      for (const [field, doc] of Object.entries(OPERATIONS)) {
        if (!field.startsWith('Query.')) continue;
        const permission = permissionOf.get(field)!;
        const res = await query(doc, bearer);
        const outcome = outcomeOf(res);
        const expected = expectedOf(role, permission, RESOURCE_DESK[field]);
        assert.ok(
          expected === 'FORBIDDEN' ? outcome === 'FORBIDDEN' : ALLOWED.has(outcome),
          `${role} ${field} (${permission}): ${outcome}, expected ${expected}`,
        );
        assert.doesNotMatch(JSON.stringify(res.body), /\s+at \S+ \(|stack|127\.0\.0\.1/, `${role} ${field}`);
      }
    }
  });

  test('a token issued without a permission is FORBIDDEN exactly on the fields that need it', async () => {
    const permissionOf = declared();
    const used = [...new Set(permissionOf.values())];
    for (const role of roles) {
      for (const withheld of used) {
        const held = permissionsOf(role);
        if (!held.includes(withheld)) continue;
        const bearer = await token(
          role,
          held.filter((p) => p !== withheld),
        );
        for (const [field, doc] of Object.entries(OPERATIONS)) {
          if (field.startsWith('Subscription.')) continue;
          const outcome = outcomeOf(await query(doc, bearer));
          const expected = expectedOf(role, permissionOf.get(field)!, RESOURCE_DESK[field], withheld);
          assert.ok(
            expected === 'FORBIDDEN' ? outcome === 'FORBIDDEN' : ALLOWED.has(outcome),
            `${role} without ${withheld}: ${field} gave ${outcome}, expected ${expected}`,
          );
        }
      }
    }
  });

  test("every role against every mutation and trading query, on its desk's account and on another desk's", async () => {
    const permissionOf = declared();
    const cases = [
      ...Object.entries(OPERATIONS).map(([field, doc]) => ({ field, doc, desk: RESOURCE_DESK[field] })),
      ...Object.entries(OTHER_DESK).map(([field, doc]) => ({ field, doc, desk: 'EQ' })),
    ].filter((c) => !c.field.startsWith('Subscription.') && (c.field.startsWith('Mutation.') || c.desk));
    assert.ok(cases.filter((c) => c.field.startsWith('Mutation.')).length >= 10, 'mutations on both desks');
    let refusedOtherDesk = 0;
    for (const role of roles) {
      const bearer = await token(role);
      for (const { field, doc, desk } of cases) {
        const permission = permissionOf.get(field)!;
        const outcome = outcomeOf(await query(doc, bearer));
        const expected = expectedOf(role, permission, desk);
        assert.ok(
          expected === 'FORBIDDEN' ? outcome === 'FORBIDDEN' : ALLOWED.has(outcome),
          `${role} ${field} on desk ${desk ?? '-'} (${permission}): ${outcome}, expected ${expected}`,
        );
        if (role === 'trader' && desk === 'EQ' && field.startsWith('Mutation.')) {
          assert.equal(outcome, 'FORBIDDEN', `a trader of FX: ${field} on EQ-CASH-1`);
          refusedOtherDesk++;
        }
      }
    }
    // submitOrder, cancelOrder and replaceOrder at least: a trader acts on its own desk's accounts only.
    assert.ok(refusedOtherDesk >= 3);
  });

  test('every role against every subscription, with and without the permission in its token', async () => {
    const permissionOf = declared();
    const stopFeed = feedHub();
    const clients: Client[] = [];
    try {
      const cases: Promise<void>[] = [];
      for (const role of roles) {
        const held = permissionsOf(role);
        const variants: { scopes?: Permission[]; withheld?: Permission }[] = [{}];
        for (const p of new Set(permissionOf.values())) {
          if (held.includes(p)) variants.push({ scopes: held.filter((h) => h !== p), withheld: p });
        }
        for (const v of variants) {
          const client = wsClient(await token(role, v.scopes));
          clients.push(client);
          for (const [field, doc] of Object.entries(OPERATIONS)) {
            if (!field.startsWith('Subscription.')) continue;
            const permission = permissionOf.get(field)!;
            const denied = expectedOf(role, permission, RESOURCE_DESK[field], v.withheld) === 'FORBIDDEN';
            cases.push(
              firstOutcome(client, doc).then(({ outcome }) => {
                assert.ok(
                  denied ? outcome === 'FORBIDDEN' : ALLOWED.has(outcome),
                  `${role} ${v.withheld ? `without ${v.withheld}` : ''} ${field}: ${outcome}`,
                );
              }),
            );
          }
        }
      }
      await Promise.all(cases);
    } finally {
      stopFeed();
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});

describe('subscriptions over graphql-transport-ws', () => {
  test('a connection_init without a valid token is closed with 4403 Forbidden before any subscription', async () => {
    // A token the gateway itself signed, with every claim right, that expired an hour ago.
    const runtime = app.get<AuthRuntime>(AUTH_RUNTIME);
    const expired = await new AccessTokenIssuer(
      runtime.keyRing!,
      runtime.settings.token,
      () => Date.now() - 3_600_000,
    ).issue({
      kind: 'client',
      subject: 'dev-trader',
      role: 'trader',
      desk: 'FX',
      scopes: permissionsOf('trader'),
      amr: [],
    });
    const valid = await token('trader');
    const forged = `${valid.slice(0, valid.lastIndexOf('.') + 1)}${Buffer.alloc(64, 7).toString('base64url')}`;
    const cases: [string, Record<string, unknown> | undefined, string][] = [
      ['no payload', undefined, 'TOKEN_MISSING'],
      ['no token', {}, 'TOKEN_MISSING'],
      ['a malformed token', { authorization: 'Bearer not-a-token' }, 'TOKEN_MALFORMED'],
      ['a token with a forged signature', { authorization: `Bearer ${forged}` }, 'TOKEN_INVALID'],
      ['an expired token', { authorization: `Bearer ${expired.token}` }, 'TOKEN_EXPIRED'],
    ];
    for (const [name, payload, reason] of cases) {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      const messages: { type: string }[] = [];
      ws.on('message', (m) => messages.push(JSON.parse(String(m)) as (typeof messages)[number]));
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<[number, string]>((r) =>
        ws.once('close', (code: number, why: Buffer) => r([code, String(why)])),
      );
      ws.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
      ws.send(
        JSON.stringify({ type: 'subscribe', id: '1', payload: { query: OPERATIONS['Subscription.quotes'] } }),
      );
      assert.deepEqual(await closed, [4403, `Forbidden: ${reason}`], name);
      // No connection_ack, no data, and no connection_error (graphql-transport-ws has no such message).
      assert.deepEqual(messages, [], name);
    }
    // graphql-ws, as a client application would use it, reports the same close.
    const client = wsClient(expired.token);
    try {
      assert.deepEqual(await firstOutcome(client, OPERATIONS['Subscription.quotes']!), {
        outcome: 'CLOSED:4403',
      });
    } finally {
      await client.dispose();
    }
  });

  test('quotes arrive with exact decimals and microsecond timestamps', async () => {
    const client = wsClient(await token('trader'));
    const stopFeed = feedHub();
    try {
      const first = await firstOutcome(client, OPERATIONS['Subscription.quotes']!);
      assert.deepEqual(first, {
        outcome: 'DATA',
        value: {
          quotes: { bidPrice: '1.08765', askPrice: '1.08767', publishTime: '2023-11-14T22:13:20.123456Z' },
        },
      });
    } finally {
      stopFeed();
      await client.dispose();
    }
  });

  test('an unknown instrument is NOT_FOUND and the per-connection subscription limit holds', async () => {
    const client = wsClient(await token('trader'));
    try {
      assert.deepEqual(
        await firstOutcome(client, 'subscription { quotes(instrumentIds: ["NOPE.XXXX"]) { bidPrice } }'),
        {
          outcome: 'NOT_FOUND',
        },
      );
      assert.deepEqual(
        await firstOutcome(client, 'subscription { quotes(instrumentIds: []) { bidPrice } }'),
        {
          outcome: 'BAD_USER_INPUT',
        },
      );
    } finally {
      await client.dispose();
    }
  });
});

describe('instrument administration', () => {
  const definition = {
    id: 'ADMIN.XNAS',
    symbol: 'ADMIN',
    description: 'Admin test',
    assetClass: 'EQUITY',
    venue: 'XNAS',
    currency: 'USD',
    priceScale: 2,
    sizeScale: 0,
    tickSize: '0.01',
    lotSize: '1',
    venueSymbols: [{ venue: 'SIM', symbol: 'ADMIN' }],
  };
  const create = (fields: string) =>
    `mutation ($input: InstrumentInput!) { createInstrument(input: $input) { ${fields} } }`;
  const update = (fields: string) =>
    `mutation ($input: InstrumentInput!) { updateInstrument(input: $input) { ${fields} } }`;

  test('an admin creates, changes and halts an instrument; the read path sees each change', async () => {
    const admin = await token('admin');
    const created = await query(create('id status tickSize venueSymbols { venue symbol }'), admin, {
      input: definition,
    });
    assert.deepEqual(created.body, {
      data: {
        createInstrument: {
          id: 'ADMIN.XNAS',
          status: 'ACTIVE',
          tickSize: '0.01',
          venueSymbols: [{ venue: 'SIM', symbol: 'ADMIN' }],
        },
      },
    });
    const updated = await query(update('description tickSize'), admin, {
      input: { ...definition, tickSize: '0.05', description: 'Admin test, wider tick' },
    });
    assert.deepEqual(updated.body.data, {
      updateInstrument: { description: 'Admin test, wider tick', tickSize: '0.05' },
    });
    const halted = await query(
      'mutation { setInstrumentStatus(id: "ADMIN.XNAS", status: HALTED, reason: "news pending") { status } }',
      admin,
    );
    assert.deepEqual(halted.body.data, { setInstrumentStatus: { status: 'HALTED' } });
    // Any reader sees it at once.
    const read = await query(
      '{ instruments(filter: { statuses: [HALTED], query: "ADMIN" }) { edges { node { id status tickSize } } } }',
      await token('trader'),
    );
    assert.deepEqual(read.body.data, {
      instruments: { edges: [{ node: { id: 'ADMIN.XNAS', status: 'HALTED', tickSize: '0.05' } }] },
    });
  });

  test('a bad definition is BAD_USER_INPUT naming the input field; a taken id CONFLICT; another role FORBIDDEN', async () => {
    const admin = await token('admin');
    await query(create('id'), admin, { input: definition }); // unless the test before made it
    const again = await query(create('id'), admin, { input: definition });
    assert.equal(outcomeOf(again), 'CONFLICT');
    const bad = await query(create('id'), admin, {
      input: { ...definition, id: 'BAD.XNYS', tickSize: '0' },
    });
    const error = bad.body.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(argumentOf(bad), 'input.id');
    assert.match(
      error!.message,
      /input\.id: must end with "\.XNAS" \(its venue\); input\.tickSize: must be positive, got 0/,
    );
    const scale = await query(update('id'), admin, {
      input: { ...definition, priceScale: 4, tickSize: '0.0001' },
    });
    assert.equal(argumentOf(scale), 'input.priceScale');
    const reason = await query(
      'mutation { setInstrumentStatus(id: "ADMIN.XNAS", status: ACTIVE, reason: "") { status } }',
      admin,
    );
    assert.equal(argumentOf(reason), 'reason');
    const unknown = await query(
      'mutation { setInstrumentStatus(id: "NOPE.XNAS", status: ACTIVE, reason: "x") { status } }',
      admin,
    );
    assert.equal(outcomeOf(unknown), 'NOT_FOUND');
    for (const role of ['trader', 'desk_head', 'risk_officer', 'auditor'] as const) {
      const res = await query(
        'mutation { setInstrumentStatus(id: "ADMIN.XNAS", status: EXPIRED, reason: "x") { status } }',
        await token(role),
      );
      assert.equal(outcomeOf(res), 'FORBIDDEN', role);
    }
  });
});

describe('errors and limits', () => {
  test('backends that are down answer SERVICE_UNAVAILABLE at once, without internals', async () => {
    const bearer = await token('trader');
    for (const field of ['Query.quote', 'Query.vwap']) {
      const started = Date.now();
      const res = await query(OPERATIONS[field]!, bearer);
      assert.equal(outcomeOf(res), 'SERVICE_UNAVAILABLE', field);
      assert.ok(Date.now() - started < 1500, `${field} took ${Date.now() - started} ms`);
      assert.match(
        res.body.errors![0]!.message,
        /^the (market-data|aggregation) service is unavailable, try again$/,
      );
    }
  });

  test('bad arguments are BAD_USER_INPUT naming the argument', async () => {
    const bearer = await token('trader');
    const cases: [string, string][] = [
      [`{ book(instrumentId: "${ID}", depth: 0) { sequence } }`, 'depth'],
      [`{ bars(instrumentId: "${ID}", barType: "2x", from: "${FROM}") { totalCount } }`, 'barType'],
      [`{ trades(instrumentId: "${ID}", from: "${FROM}", to: "2025-01-01T00:00:00Z") { totalCount } }`, 'to'],
      [`{ trades(instrumentId: "${ID}", from: "${FROM}", after: "nonsense") { totalCount } }`, 'after'],
      [`{ alerts(last: 0) { alertId } }`, 'last'],
    ];
    for (const [doc, argument] of cases) {
      const res = await query(doc, bearer);
      assert.equal(outcomeOf(res), 'BAD_USER_INPUT', doc);
      assert.equal((res.body.errors![0]!.extensions as { argument?: string }).argument, argument, doc);
    }
    const precise = await query(
      `{ trades(instrumentId: "${ID}", from: "2026-01-01T00:00:00.1234567Z") { totalCount } }`,
      bearer,
    );
    assert.equal(outcomeOf(precise), 'BAD_USER_INPUT');
    assert.match(precise.body.errors![0]!.message, /more precise than a microsecond/);
  });

  test('recent alerts come back newest first with their microsecond time', async () => {
    const recent = app.get(RecentAlerts);
    recent.add(
      toAlert({
        ...blank(eventsV1.AlertEvent),
        alertId: 'x1',
        instrumentId: 'GBPUSD.EBSM',
        kind: 6,
        severity: 3,
        raisedAtMicros: String(T + 5),
        attributes: { gap: '3' },
      }),
    );
    const res = await query(
      '{ alerts(instrumentId: "GBPUSD.EBSM") { alertId kind severity raisedAt attributes { key value } } }',
      await token('auditor'),
    );
    assert.deepEqual(res.body.data, {
      alerts: [
        {
          alertId: 'x1',
          kind: 'SEQUENCE_GAP',
          severity: 'CRITICAL',
          raisedAt: '2023-11-14T22:13:20.000005Z',
          attributes: [{ key: 'gap', value: '3' }],
        },
      ],
    });
  });

  test('an over-deep query is QUERY_TOO_DEEP and an over-complex one QUERY_TOO_COMPLEX, with limit and value', async () => {
    const bearer = await token('trader');
    const deep = await query(
      '{ instruments(first: 1) { edges { node { venueSymbols { venue } } } } }',
      bearer,
    );
    assert.equal(deep.status, 400);
    assert.deepEqual(deep.body.errors![0]!.extensions, { code: 'QUERY_TOO_DEEP', limit: 4, value: 5 });
    // 1 + 400 x (edges + node + id)
    const complex = await query('{ instruments(first: 400) { edges { node { id } } } }', bearer);
    assert.equal(complex.status, 400);
    assert.deepEqual(complex.body.errors![0]!.extensions, {
      code: 'QUERY_TOO_COMPLEX',
      limit: 1000,
      value: 1201,
    });
    const viaVariable = await query(
      'query($n: Int) { instruments(first: $n) { edges { node { id } } } }',
      bearer,
      { n: 400 },
    );
    assert.equal(outcomeOf(viaVariable), 'QUERY_TOO_COMPLEX');
    assert.equal(
      outcomeOf(await query('{ instruments(first: 300) { edges { node { id } } } }', bearer)),
      'DATA',
    );
  });
});

describe('rate limits shared through Redis', () => {
  let limited: NestFastifyApplication;
  let url: string;
  before(async () => {
    limited = await createGatewayApp({
      REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      GATEWAY_REDIS_PREFIX: `test:gw:auth:${process.pid}:`,
      GATEWAY_RATE_LIMIT_REDIS_PREFIX: `test:gw:rate:${process.pid}:${Date.now()}:`,
      GATEWAY_RATE_LIMIT_PER_S: '1',
      GATEWAY_RATE_LIMIT_BURST: '3',
    });
    await limited.listen(0, '127.0.0.1');
    url = `${(await limited.getUrl()).replace('[::1]', '127.0.0.1')}/graphql`;
  });
  after(async () => {
    await limited?.close();
  });

  test('past its burst a client gets RATE_LIMITED, HTTP 429 and Retry-After; another client is unaffected', async () => {
    // Tokens from the limited gateway's own issuer (a separate key ring).
    const limitedBase = url.replace('/graphql', '');
    const [trader, auditor] = [
      await devClientToken(limitedBase, 'trader'),
      await devClientToken(limitedBase, 'auditor'),
    ];
    const doc = '{ alerts { alertId } }';
    const codes: string[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${trader}` },
        body: JSON.stringify({ query: doc }),
      });
      const body = (await last.json()) as {
        errors?: { extensions: { code: string; retryAfterSeconds?: number } }[];
      };
      codes.push(body.errors?.[0]?.extensions.code ?? 'DATA');
    }
    // A burst of 3 at 1/s: a fourth within the same second is refused (a refill may add one).
    assert.deepEqual(codes.slice(0, 3), ['DATA', 'DATA', 'DATA']);
    assert.equal(codes.at(-1), 'RATE_LIMITED');
    assert.equal(last!.status, 429);
    assert.equal(last!.headers.get('retry-after'), '1');
    const other = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` },
      body: JSON.stringify({ query: doc }),
    });
    assert.equal(other.status, 200);
  });
});

describe('WebSocket admission', () => {
  let gated: NestFastifyApplication;
  let wsUrl: string;
  before(async () => {
    gated = await createGatewayApp({ GATEWAY_MAX_WS_CONNECTIONS: '2', GATEWAY_WS_INIT_TIMEOUT_MS: '300' });
    await gated.listen(0, '127.0.0.1');
    wsUrl = `${(await gated.getUrl()).replace('[::1]', '127.0.0.1').replace('http', 'ws')}/graphql`;
  });
  after(async () => {
    await gated?.close();
  });

  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });

  test('beyond the connection limit the upgrade is refused with 503; a closed socket frees its place', async () => {
    const [a, b] = [await open(), await open()];
    await assert.rejects(open(), /HTTP 503/);
    a.close();
    await new Promise((r) => a.once('close', r));
    await waitUntilOpen(open);
    b.terminate();
  });

  test('a socket that sends no connection_init is closed with 4408 after the timeout', async () => {
    const ws = await waitUntilOpen(open);
    const started = Date.now();
    const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
    assert.equal(code, 4408);
    assert.ok(Date.now() - started >= 250, `closed after ${Date.now() - started} ms`);
  });
});

/** The server notices a closed socket a moment after the client: retry opening briefly. */
async function waitUntilOpen(open: () => Promise<WebSocket>): Promise<WebSocket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      if (attempt > 20) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
