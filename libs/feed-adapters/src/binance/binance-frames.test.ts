import test from 'node:test';
import assert from 'node:assert/strict';
import { MalformedFrameError } from '../errors';
import { decodeBinanceDepthSnapshot, decodeBinanceFrame } from './binance-frames';

const RX = 1_763_780_401_000_000n;
const frame = (stream: string, data: object) => JSON.stringify({ stream, data });

test('a trade where the buyer is the maker was aggressed by the seller', () => {
  const e = decodeBinanceFrame(
    frame('ethusdt@trade', {
      e: 'trade',
      E: 1700000000002,
      s: 'ETHUSDT',
      t: 77,
      p: '2000.10',
      q: '1.5',
      T: 1700000000001,
      m: true,
    }),
    'binance',
    RX,
  );
  assert.deepEqual(e, {
    type: 'trade',
    venue: 'binance',
    symbol: 'ETHUSDT',
    exchangeTimeMicros: 1700000000001000n,
    receiveTimeMicros: RX,
    tradeId: '77',
    price: '2000.10',
    size: '1.5',
    aggressor: 'sell',
  });
});

test('a depth update carries u as its sequence and U-1 as the sequence it follows', () => {
  const e = decodeBinanceFrame(
    frame('ethusdt@depth@100ms', {
      e: 'depthUpdate',
      E: 1700000000000,
      s: 'ETHUSDT',
      U: 41,
      u: 45,
      b: [['1.0', '0']],
      a: [],
    }),
    'binance',
    RX,
  );
  assert.ok(e.type === 'depth');
  assert.equal(e.kind, 'diff');
  assert.equal(e.sequence, 45n);
  assert.equal(e.previousSequence, 40n);
  assert.deepEqual(e.bids, [['1.0', '0']]);
});

test('reports frames that lack fields or carry non-decimal prices', () => {
  const cases: [string, RegExp][] = [
    ['[1,2]', /not a JSON object/],
    ['{"result":null,"id":1}', /not a combined-stream frame/],
    [frame('ethusdt@kline_1m', { e: 'kline' }), /unsupported stream ethusdt@kline_1m/],
    [
      frame('ethusdt@bookTicker', { u: 1, s: 'ETHUSDT', b: '1e3', B: '1', a: '2', A: '1' }),
      /bookTicker\.b is not a decimal/,
    ],
    [frame('ethusdt@trade', { e: 'trade', s: 'ETHUSDT', t: 1, p: '1', q: '1', T: 1 }), /trade\.m/],
    [
      frame('ethusdt@depth', { e: 'depthUpdate', E: 1, s: 'ETHUSDT', U: 9, u: 5, b: [], a: [] }),
      /u \(5\) is below U \(9\)/,
    ],
    [
      frame('ethusdt@depth', { e: 'depthUpdate', E: 1, s: 'ETHUSDT', U: 1, u: 2, b: [['1']], a: [] }),
      /b\[0\] is not a \[price, size\] pair/,
    ],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => decodeBinanceFrame(text, 'binance', RX),
      (err: unknown) => {
        assert.ok(err instanceof MalformedFrameError, text);
        assert.match(err.message, reason);
        return true;
      },
    );
  }
});

test('a REST depth body becomes a snapshot at lastUpdateId', () => {
  const s = decodeBinanceDepthSnapshot(
    '{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[]}',
    'binance',
    'BNBBTC',
    RX,
  );
  assert.deepEqual(s, {
    type: 'depth',
    kind: 'snapshot',
    venue: 'binance',
    symbol: 'BNBBTC',
    exchangeTimeMicros: RX,
    receiveTimeMicros: RX,
    sequence: 160n,
    bids: [['0.0024', '10']],
    asks: [],
  });
  assert.throws(
    () => decodeBinanceDepthSnapshot('{"bids":[],"asks":[]}', 'binance', 'BNBBTC', RX),
    /lastUpdateId/,
  );
});
