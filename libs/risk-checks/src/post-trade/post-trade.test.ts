import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFixed } from '@tapeline/fixed-point';
import { AAPL, BTC, ES, newEngine, order, RISK_OFFICER } from '../fixtures';
import {
  DailyLossLimit,
  deskExposures,
  historicalVar,
  initialMargin,
  normalQuantile,
  parametricVar,
  runStressTests,
  valuePositions,
  type PositionSnapshot,
} from './index';

const M = 10_000n; // one unit of money at the engine's money scale 4

// A1 long 500 AAPL @190 (mark 200), A2 short 100 AAPL @210, F1 short 2 ES @4990 (mark 5000, x50),
// C1 long 1.5 BTC @50000 (mark 60000).
const POSITIONS: PositionSnapshot[] = [
  {
    accountId: 'A1',
    desk: 'EQ',
    instrumentId: AAPL.instrumentId,
    quantity: 500n,
    averagePrice: 190_00n,
    realisedPnl: 1000n * M,
  },
  { accountId: 'A2', desk: 'EQ', instrumentId: AAPL.instrumentId, quantity: -100n, averagePrice: 210_00n },
  { accountId: 'F1', desk: 'FUT', instrumentId: ES.instrumentId, quantity: -2n, averagePrice: 4990_00n },
  {
    accountId: 'C1',
    desk: 'CRYPTO',
    instrumentId: BTC.instrumentId,
    quantity: 150_000n,
    averagePrice: 50_000_00n,
  },
];
const MARKS = new Map([
  [AAPL.instrumentId, 200_00n],
  [ES.instrumentId, 5000_00n],
  [BTC.instrumentId, 60_000_00n],
]);

function valued() {
  return valuePositions(POSITIONS, MARKS, newEngine().instruments);
}

test('values positions at marks with the contract multiplier', () => {
  const v = valued();
  assert.deepEqual(
    v.map((p) => [p.marketValue, p.unrealisedPnl]),
    [
      [100_000n * M, 5_000n * M],
      [-20_000n * M, 1_000n * M],
      [-500_000n * M, -1_000n * M],
      [90_000n * M, 15_000n * M],
    ],
  );
  assert.throws(() => valuePositions(POSITIONS, new Map(), newEngine().instruments), {
    code: 'MISSING_MARK',
  });
});

test('sums exposure and P&L per desk', () => {
  const eq = deskExposures(valued()).find((d) => d.desk === 'EQ');
  assert.deepEqual(eq, {
    desk: 'EQ',
    long: 100_000n * M,
    short: 20_000n * M,
    gross: 120_000n * M,
    net: 80_000n * M,
    realisedPnl: 1_000n * M,
    unrealisedPnl: 6_000n * M,
    totalPnl: 7_000n * M,
  });
  assert.deepEqual(
    deskExposures(valued()).map((d) => d.desk),
    ['CRYPTO', 'EQ', 'FUT'],
  );
});

test('applies each named stress scenario by asset class', () => {
  const results = new Map(runStressTests(valued()).map((r) => [r.scenario, r]));
  // equity -20%: 100,000 x -20% + (-20,000) x -20% = -20,000 + 4,000
  assert.equal(results.get('equity -20%')!.pnl, -16_000n * M);
  assert.equal(results.get('equity -20%')!.byAccount['A2'], 4_000n * M);
  assert.equal(results.get('crypto -40%')!.pnl, -36_000n * M);
  // short futures gain when futures fall: -500,000 x -10%
  assert.equal(results.get('futures -10%')!.pnl, 50_000n * M);
  // broad crash: -16,000 (equity) + 75,000 (futures -15%) - 36,000 (crypto -40%)
  const crash = results.get('broad crash')!;
  assert.equal(crash.pnl, 23_000n * M);
  assert.deepEqual(crash.byDesk, { EQ: -16_000n * M, FUT: 75_000n * M, CRYPTO: -36_000n * M });
  const custom = runStressTests(valued(), [{ name: 'eq -1bp', shocksBps: { EQUITY: -1 } }]);
  assert.equal(custom[0]!.pnl, -8n * M); // 80,000 net equity x -0.0001
});

test('computes initial margin per account from |notional| and the asset-class rate', () => {
  assert.deepEqual(initialMargin(valued()), [
    { accountId: 'A1', grossNotional: 100_000n * M, initialMargin: 25_000n * M },
    { accountId: 'A2', grossNotional: 20_000n * M, initialMargin: 5_000n * M },
    { accountId: 'C1', grossNotional: 90_000n * M, initialMargin: 45_000n * M },
    { accountId: 'F1', grossNotional: 500_000n * M, initialMargin: 50_000n * M },
  ]);
});

// 10 daily returns; on a 100,000 position the P&L is
// [1000, -2000, 1500, -500, 3000, -4000, 0, 2000, -1000, 500], sorted
// [-4000, -2000, -1000, -500, 0, 500, 1000, 1500, 2000, 3000].
const AAPL_RETURNS = [0.01, -0.02, 0.015, -0.005, 0.03, -0.04, 0, 0.02, -0.01, 0.005];
const ONE_POSITION = {
  positions: [{ instrumentId: AAPL.instrumentId, marketValue: 100_000n * M }],
  returns: new Map([[AAPL.instrumentId, AAPL_RETURNS]]),
  horizonDays: 1,
  moneyScale: 4,
};

test('historical VaR is the k-th worst day of portfolio P&L and ES the mean of the k worst', () => {
  const at90 = historicalVar({ ...ONE_POSITION, confidence: 0.9 });
  assert.deepEqual([at90.valueAtRisk, at90.expectedShortfall, at90.observations], [4000n * M, 4000n * M, 10]);
  const at80 = historicalVar({ ...ONE_POSITION, confidence: 0.8 });
  assert.deepEqual([at80.valueAtRisk, at80.expectedShortfall], [2000n * M, 3000n * M]);
  const at70 = historicalVar({ ...ONE_POSITION, confidence: 0.7 });
  assert.deepEqual([at70.valueAtRisk, at70.expectedShortfall], [1000n * M, 2333_3333n]); // 7000 / 3
  const tenDays = historicalVar({ ...ONE_POSITION, confidence: 0.9, horizonDays: 4 });
  assert.equal(tenDays.valueAtRisk, 8000n * M, 'sqrt(4) = 2');
});

test('historical VaR nets a short hedge day by day', () => {
  // Short 50,000 of ES: P&L [-500, 500, 0, 0, -1000, 1000, -500, 0, 0, 0]; portfolio
  // [500, -1500, 1500, -500, 2000, -3000, -500, 2000, -1000, 500].
  const hedged = {
    ...ONE_POSITION,
    positions: [...ONE_POSITION.positions, { instrumentId: ES.instrumentId, marketValue: -50_000n * M }],
    returns: new Map([
      [AAPL.instrumentId, AAPL_RETURNS],
      [ES.instrumentId, [0.01, -0.01, 0, 0, 0.02, -0.02, 0.01, 0, 0, 0]],
    ]),
  };
  assert.equal(historicalVar({ ...hedged, confidence: 0.9 }).valueAtRisk, 3000n * M);
  const at80 = historicalVar({ ...hedged, confidence: 0.8 });
  assert.deepEqual([at80.valueAtRisk, at80.expectedShortfall], [1500n * M, 2250n * M]);
});

test('parametric VaR is z x sample sigma x sqrt(horizon) with a normal ES', () => {
  // mean 50; squared deviations sum to 37,725,000; sample variance = 37,725,000 / 9.
  const sigma = Math.sqrt(37_725_000 / 9);
  const z99 = 2.3263478740408408; // standard normal table
  const phi = Math.exp((-z99 * z99) / 2) / Math.sqrt(2 * Math.PI);
  const r = parametricVar({ ...ONE_POSITION, confidence: 0.99, horizonDays: 10 });
  const close = (actual: bigint, expected: number) =>
    assert.ok(Math.abs(Number(actual) - expected * 1e4) <= 1, `${actual} vs ${expected}`);
  close(r.valueAtRisk, z99 * sigma * Math.sqrt(10));
  close(r.expectedShortfall, (sigma * Math.sqrt(10) * phi) / 0.01);
  assert.ok(Math.abs(normalQuantile(0.95) - 1.6448536269514722) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306167813) < 1e-8);
});

test('refuses return histories that do not line up', () => {
  const ragged = { ...ONE_POSITION, returns: new Map([[AAPL.instrumentId, [0.01, Number.NaN]]]) };
  assert.throws(() => historicalVar({ ...ragged, confidence: 0.9 }), {
    code: 'BAD_RETURNS',
    message: /#1 is NaN/,
  });
  assert.throws(() => parametricVar({ ...ONE_POSITION, returns: new Map(), confidence: 0.99 }), {
    code: 'BAD_RETURNS',
    message: /no return history for AAPL\.XNAS/,
  });
  assert.throws(() => historicalVar({ ...ONE_POSITION, confidence: 1 }), { code: 'BAD_RETURNS' });
});

test('trips the account kill switch once the day loss exceeds the limit, once per day', () => {
  const engine = newEngine();
  const guard = new DailyLossLimit(engine);
  const a1 = { level: 'account', accountId: 'A1' } as const;
  const change = guard.setLimit(a1, parseFixed('10000'), RISK_OFFICER, 0);
  assert.deepEqual([change.before, change.after], [{}, { dailyLossLimit: '10000.0000' }]);
  const working = order();
  engine.evaluate(working, 1);
  assert.equal(
    guard.update(a1, -4000n * M, -6000n * M, 2),
    undefined,
    'a loss equal to the limit is allowed',
  );
  const trip = guard.update(a1, -4000n * M, -6000n * M - 1n, 3);
  assert.ok(trip);
  assert.equal(trip.loss, 10_000n * M + 1n);
  assert.equal(trip.event.actor.userId, 'risk-engine');
  assert.match(trip.event.reason, /daily loss 10000\.0001 \(realised -4000\.0000, unrealised -6000\.0001\)/);
  assert.deepEqual(
    trip.ordersToCancel.map((o) => o.orderId),
    [working.orderId],
  );
  assert.equal(engine.evaluate(order(), 4)?.control, 'KILL_SWITCH');
  assert.equal(engine.evaluate(order({ accountId: 'A2' }), 4), undefined);
  assert.equal(guard.update(a1, -20_000n * M, 0n, 5), undefined, 'already tripped today');
  guard.startNewDay();
  assert.equal(guard.update(a1, -20_000n * M, 0n, 6)?.event.before.engaged, true);
});
