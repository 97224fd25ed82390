import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'graphql-ws';
import { devClientToken, graphql } from '@tapeline/test-kit';
import { gatewayWsClient } from './testing/live-mesh';
import { startTradingMesh, type TradingMesh } from './testing/trading-mesh';

// Broker, symbol, risk, oms and the gateway as processes: orders go GraphQL -> gateway -> oms ->
// risk -> simulated venue, and come back on the subscriptions from the oms's update stream.
const EURUSD = 'EURUSD.EBSM';
// 1.08765 / 1.08767 is the market risk sees; orders at 1.08766 are inside every collar.
const BID = 108765;

let mesh: TradingMesh;
const tokens: Record<string, string> = {};

async function gql(role: string, query: string, variables?: Record<string, unknown>) {
  const res = await graphql(`${mesh.base}/graphql`, query, variables, {
    authorization: `Bearer ${tokens[role]}`,
  });
  return res.body as {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes, read by the assertions
    data?: Record<string, any>;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

const SUBMIT = `mutation($input: SubmitOrderInput!) {
  submitOrder(input: $input) {
    duplicate
    rejections { control message figures { key value } }
    order { orderId clOrdId accountId desk status orderQty price }
  }
}`;

function order(
  accountId: string,
  clOrdId: string,
  side: 'BUY' | 'SELL',
  orderQty = '1000',
  price = '1.08766',
) {
  return {
    input: {
      accountId,
      clOrdId,
      instrumentId: EURUSD,
      side,
      ordType: 'LIMIT',
      timeInForce: 'DAY',
      orderQty,
      price,
    },
  };
}

/** Collects what a subscription yields until `until` holds for one of them. */
function collect<T>(client: Client, query: string, field: string, until: (v: T) => boolean) {
  const seen: T[] = [];
  let stop: () => void = () => undefined;
  const done = new Promise<T>((resolve, reject) => {
    stop = client.subscribe<Record<string, T>>(
      { query },
      {
        next: (v) => {
          if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
          const value = v.data![field]!;
          seen.push(value);
          if (until(value)) resolve(value);
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => undefined,
      },
    );
  });
  return { seen, done, stop: () => stop() };
}

before(async () => {
  mesh = await startTradingMesh({ quotes: [{ instrumentId: EURUSD, bid: BID }] });
  for (const role of ['trader', 'auditor', 'risk_officer', 'desk_head'])
    tokens[role] = await devClientToken(mesh.base, role);
});

after(async () => {
  await mesh?.close();
});

describe('trading through the gateway', () => {
  test('a trader submits a limit order and receives its executions and order updates on the subscriptions', async () => {
    const client = gatewayWsClient(mesh.base, tokens.trader);
    try {
      type Exec = { clOrdId: string; execType: string; lastQty: string; lastPx: string; accountId: string };
      const execs = collect<Exec>(
        client,
        `subscription { executions { clOrdId execType lastQty lastPx accountId } }`,
        'executions',
        (e) => e.clOrdId === 'E2E-B1' && e.execType === 'TRADE',
      );
      const updates = collect<{ clOrdId: string; status: string; cumQty: string }>(
        client,
        `subscription { orderUpdates(accountIds: ["FX-ALPHA"]) { clOrdId status cumQty } }`,
        'orderUpdates',
        (o) => o.clOrdId === 'E2E-S1' && o.status === 'FILLED',
      );
      // graphql-ws does not acknowledge a subscribe: give the gateway a moment to register both.
      await new Promise((r) => setTimeout(r, 300));

      const sell = await gql('trader', SUBMIT, order('FX-ALPHA', 'E2E-S1', 'SELL'));
      assert.equal(sell.errors, undefined, JSON.stringify(sell.errors));
      assert.equal(sell.data!.submitOrder.order.status, 'NEW');
      assert.equal(sell.data!.submitOrder.order.desk, 'FX');
      assert.equal(sell.data!.submitOrder.order.price, '1.08766');
      const buy = await gql('trader', SUBMIT, order('FX-BETA', 'E2E-B1', 'BUY'));
      assert.equal(buy.errors, undefined, JSON.stringify(buy.errors));

      const trade = await execs.done;
      assert.deepEqual(trade, {
        clOrdId: 'E2E-B1',
        execType: 'TRADE',
        lastQty: '1000',
        lastPx: '1.08766',
        accountId: 'FX-BETA',
      });
      assert.ok(
        execs.seen.some((e) => e.clOrdId === 'E2E-S1' && e.execType === 'NEW'),
        'the resting sell was acknowledged',
      );
      const filled = await updates.done;
      assert.equal(filled.cumQty, '1000');
      // The FX-ALPHA subscription saw nothing of FX-BETA.
      assert.ok(updates.seen.every((o) => o.clOrdId === 'E2E-S1'));
      execs.stop();
      updates.stop();
    } finally {
      await client.dispose();
    }
  });

  test('a repeated clOrdId returns the same order; the same clOrdId for another order is a CONFLICT', async () => {
    const first = await gql('trader', SUBMIT, order('FX-ALPHA', 'E2E-IDEM', 'BUY', '2000', '1.08700'));
    const again = await gql('trader', SUBMIT, order('FX-ALPHA', 'E2E-IDEM', 'BUY', '2000', '1.08700'));
    assert.equal(first.data!.submitOrder.duplicate, false);
    assert.equal(again.data!.submitOrder.duplicate, true);
    assert.equal(again.data!.submitOrder.order.orderId, first.data!.submitOrder.order.orderId);
    const other = await gql('trader', SUBMIT, order('FX-ALPHA', 'E2E-IDEM', 'BUY', '3000', '1.08700'));
    assert.equal(other.errors?.[0]?.extensions?.code, 'CONFLICT');

    const cancel = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { status } }`;
    const cancelled = await gql('trader', cancel, {
      input: { accountId: 'FX-ALPHA', clOrdId: 'E2E-IDEM-X', origClOrdId: 'E2E-IDEM' },
    });
    assert.equal(cancelled.errors, undefined, JSON.stringify(cancelled.errors));
    assert.match(cancelled.data!.cancelOrder.status, /CANCEL/);
    // Cancelling it again: the order is no longer working.
    const twice = await gql('trader', cancel, {
      input: { accountId: 'FX-ALPHA', clOrdId: 'E2E-IDEM-Y', origClOrdId: 'E2E-IDEM' },
    });
    assert.equal(twice.errors?.[0]?.extensions?.code, 'INVALID_STATE');
  });

  test('a risk rejection is data: the order comes back REJECTED naming the control', async () => {
    // 60,000,000 EUR is above the FX desk's max_order_qty of 50,000,000.
    const res = await gql('trader', SUBMIT, order('FX-ALPHA', 'E2E-BIG', 'BUY', '60000000'));
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data!.submitOrder.order.status, 'REJECTED');
    const controls = (res.data!.submitOrder.rejections as { control: string }[]).map((r) => r.control);
    assert.ok(controls.includes('max_order_qty'), controls.join());
  });

  test("a trader is refused on another desk's account, and sees only its desk's orders", async () => {
    const res = await gql('trader', SUBMIT, order('EQ-CASH-1', 'E2E-EQ', 'BUY'));
    assert.equal(res.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.match(res.errors![0]!.message, /limited to desk FX; the resource belongs to desk EQ/);
    const listed = await gql('trader', `{ orders(accountIds: ["EQ-CASH-1"]) { totalCount } }`);
    assert.equal(listed.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const own = await gql('trader', `{ orders { totalCount edges { node { desk } } } }`);
    assert.ok(own.data!.orders.totalCount >= 3);
    assert.ok((own.data!.orders.edges as { node: { desk: string } }[]).every((e) => e.node.desk === 'FX'));
    const auditor = await gql('auditor', SUBMIT, order('FX-ALPHA', 'E2E-AUD', 'BUY'));
    assert.equal(auditor.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('an auditor queries the journal of an order and verifies the chain', async () => {
    const found = await gql(
      'auditor',
      `{ order(accountId: "FX-BETA", clOrdId: "E2E-B1") { orderId status } }`,
    );
    assert.equal(found.errors, undefined, JSON.stringify(found.errors));
    assert.equal(found.data!.order.status, 'FILLED');
    const journal = await gql(
      'auditor',
      `query($o: ID) { journal(orderId: $o, first: 50) { totalCount edges { node { sequence kind accountId actor { clientId desk role } prevHash hash } } } }`,
      { o: found.data!.order.orderId },
    );
    assert.equal(journal.errors, undefined, JSON.stringify(journal.errors));
    const entries = (
      journal.data!.journal.edges as {
        node: { kind: string; accountId: string; actor: unknown; hash: string };
      }[]
    ).map((e) => e.node);
    assert.ok(entries.length >= 3);
    const request = entries.find((e) => e.kind === 'order.request')!;
    assert.deepEqual(request.actor, { clientId: 'dev-trader', desk: 'FX', role: 'trader' });
    assert.ok(entries.every((e) => e.accountId === 'FX-BETA' && /^[0-9a-f]{64}$/.test(e.hash)));

    const verified = await gql(
      'auditor',
      `{ verifyJournal(fromSequence: "1") { ok entriesChecked firstBroken { sequence } } }`,
    );
    assert.equal(verified.errors, undefined, JSON.stringify(verified.errors));
    assert.equal(verified.data!.verifyJournal.ok, true);
    assert.equal(verified.data!.verifyJournal.firstBroken, null);
    assert.ok(verified.data!.verifyJournal.entriesChecked >= entries.length);
    // A trader reads no journal at all.
    const trader = await gql('trader', `{ journal(accountId: "FX-ALPHA") { totalCount } }`);
    assert.equal(trader.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('the risk officer sets a limit and a desk kill switch; a trader may not', async () => {
    const limit = await gql(
      'risk_officer',
      `mutation { setRiskLimit(scope: DESK, target: "FX", control: "max_open_orders", value: "400") { previousValue value } }`,
    );
    assert.equal(limit.errors, undefined, JSON.stringify(limit.errors));
    assert.equal(limit.data!.setRiskLimit.value, '400');
    const denied = await gql(
      'trader',
      `mutation { setKillSwitch(scope: DESK, target: "FX", engaged: true) { engaged } }`,
    );
    assert.equal(denied.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const engage = await gql(
      'risk_officer',
      `mutation { setKillSwitch(scope: ACCOUNT, target: "FX-PROP", engaged: true, reason: "e2e") { engaged cancelledOrderIds } }`,
    );
    assert.equal(engage.errors, undefined, JSON.stringify(engage.errors));
    assert.equal(engage.data!.setKillSwitch.engaged, true);
    const blocked = await gql('trader', SUBMIT, order('FX-PROP', 'E2E-KILLED', 'BUY'));
    assert.equal(blocked.data!.submitOrder.order.status, 'REJECTED');
    const limits = await gql(
      'trader',
      `{ limits { engagedKillSwitches limits { scope target control value } } }`,
    );
    assert.equal(limits.errors, undefined, JSON.stringify(limits.errors));
    assert.ok((limits.data!.limits.engagedKillSwitches as string[]).includes('account:FX-PROP'));
    assert.ok(
      (limits.data!.limits.limits as { scope: string; target: string }[]).every(
        (l) => l.scope !== 'desk' || l.target === 'FX',
      ),
    );
  });
});
