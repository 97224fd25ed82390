import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFixed } from '@tapeline/fixed-point';
import { RISK_ENGINE_ACTOR } from '@tapeline/risk-checks';
import { PreTradeGate } from '../checks/pre-trade-gate';
import { parseSetting, SettingError } from './control-catalog';
import { ControlBoard } from './control-board';

const set = (scope: string, target: string, control: string, value: string) =>
  parseSetting({ scope, target, control, value });

test('normalises values: decimals, durations in the largest exact unit, throttles, flags', () => {
  assert.equal(set('desk', 'EQ', 'max_order_qty', ' 500.0 ').value, '500.0');
  assert.deepEqual(set('global', '', 'duplicate_order', '1500ms').parsed, 1_500_000);
  assert.equal(set('global', '', 'duplicate_order', '2000ms').value, '2s');
  assert.equal(set('global', '', 'duplicate_order', '1500us').value, '1500us');
  assert.deepEqual(set('account', 'A1', 'message_throttle', '50/500ms').parsed, {
    maxMessages: 50,
    windowMicros: 500_000,
  });
  assert.equal(set('instrument', 'AAPL.XNAS', 'restricted_instrument', 'false').value, '');
  assert.equal(set('global', '', 'credit_limit', '').parsed, null, 'empty removes');
});

test('resolves targets: owner, owner/instrument and firm-wide instrument', () => {
  assert.deepEqual(set('account', 'A1/BTC-USDT.BINANCE', 'max_position', '2').where, {
    scope: 'account',
    owner: 'A1',
    instrumentId: 'BTC-USDT.BINANCE',
  });
  assert.deepEqual(set('desk', 'EQ/AAPL.XNAS', 'restricted_instrument', 'true').where, {
    scope: 'desk',
    owner: 'EQ',
    instrumentId: 'AAPL.XNAS',
  });
  assert.equal(set('instrument', 'AAPL.XNAS', 'max_order_value', '1').where.instrumentId, 'AAPL.XNAS');
});

test('refuses what no scope can hold, naming the field', () => {
  const cases: [[string, string, string, string], RegExp][] = [
    [
      ['desk', 'EQ/AAPL.XNAS', 'max_order_qty', '1'],
      /^target: max_order_qty can be set per instrument for an account/,
    ],
    [['instrument', 'AAPL.XNAS', 'price_collar', '10'], /^target: price_collar cannot be set firm-wide/],
    [['account', 'A1', 'restricted_instrument', 'true'], /^target: name the instrument/],
    [['global', '', 'credit_limit', '0.00001'], /^value: 0.00001 has more than 4 decimals/],
    [['global', '', 'max_open_orders', '2.5'], /^value: must be a non-negative integer/],
    [['global', '', 'message_throttle', '0/1s'], /^value: must be MESSAGES\/DURATION/],
    [['global', '', 'kill_switch', 'true'], /^control: kill switches are set with SetKillSwitch/],
  ];
  for (const [[scope, target, control, value], message] of cases) {
    assert.throws(
      () => set(scope, target, control, value),
      (err: unknown) => err instanceof SettingError && message.test(err.message),
    );
  }
});

test('a firm-wide instrument limit outranks desk and global but yields to the account', () => {
  const gate = new PreTradeGate();
  gate.engine.addInstrument({
    instrumentId: 'AAPL.XNAS',
    assetClass: 'EQUITY',
    priceScale: 2,
    sizeScale: 0,
    multiplier: parseFixed('1'),
  });
  gate.engine.setReferencePrice('AAPL.XNAS', 200_00n);
  const board = new ControlBoard(gate);
  const apply = (...args: [string, string, string, string]) =>
    board.apply(set(...args), RISK_ENGINE_ACTOR, 0);
  apply('global', '', 'max_order_qty', '1000');
  apply('desk', 'EQ', 'max_order_qty', '500');
  apply('instrument', 'AAPL.XNAS', 'max_order_qty', '300');
  let id = 0;
  const buy = (accountId: string, quantity: bigint) =>
    gate.check(
      {
        orderId: `o${++id}`,
        accountId,
        desk: 'EQ',
        instrumentId: 'AAPL.XNAS',
        side: 'BUY',
        ordType: 'LIMIT',
        quantity,
        price: 200_00n,
      },
      id,
    );
  assert.deepEqual(buy('A1', 300n), []);
  assert.deepEqual(
    buy('A1', 301n).map((r) => [r.control, r.limit, r.source]),
    [['MAX_ORDER_QUANTITY', '300', 'instrument:AAPL.XNAS']],
  );
  assert.deepEqual(apply('account', 'A2', 'max_order_qty', '800'), { previousValue: '', value: '800' });
  assert.deepEqual(buy('A2', 800n), [], 'the account value wins over the instrument value');
  apply('instrument', 'AAPL.XNAS', 'max_order_qty', '');
  assert.equal(buy('A1', 501n)[0]?.source, 'desk:EQ', 'removed: the desk value applies again');
});
