import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonV1, eventsV1 } from '@tapeline/contracts';
import type { RawDepth, RawQuote, RawTrade } from './feed';
import { Normaliser } from './normaliser';
import { fixedClock, RecordingOutput, testResolver } from './testing/recording-output';

const EXCH = 1_767_225_600_000_000n;
const RECV = EXCH + 350n;

function trade(symbol: string, price: string, size: string, venue = 'SIM'): RawTrade {
  return {
    type: 'trade',
    venue,
    symbol,
    exchangeTimeMicros: EXCH,
    receiveTimeMicros: RECV,
    tradeId: 'T1',
    price,
    size,
    aggressor: 'sell',
  };
}

function setup() {
  const time = fixedClock(EXCH + 1_000n);
  const out = new RecordingOutput();
  const normaliser = new Normaliser(testResolver(), { clock: time.clock, onAlert: (a) => out.alert(a) });
  return { normaliser, out };
}

test('turns a venue trade into a TradeEvent at the instrument scales with the three times', () => {
  const { normaliser } = setup();
  const t = normaliser.trade(trade('BTC-USDT', '42000.10', '0.12300000'))!;
  assert.deepEqual(t, {
    instrumentId: 'BTC-USDT.BINANCE',
    venue: 'SIM',
    sequence: '1',
    tradeId: 'T1',
    priceScale: 2,
    sizeScale: 5,
    price: '4200010',
    size: '12300',
    aggressorSide: commonV1.Side.SIDE_SELL,
    exchangeTimeMicros: String(EXCH),
    receiveTimeMicros: String(RECV),
    publishTimeMicros: String(EXCH + 1_000n),
  });
  assert.equal(normaliser.trade(trade('BTC-USDT', '42000.20', '1'))!.sequence, '2');
});

test('turns a venue quote into a QuoteEvent', () => {
  const { normaliser } = setup();
  const raw: RawQuote = {
    type: 'quote',
    venue: 'SIM',
    symbol: 'ESZ6',
    exchangeTimeMicros: EXCH,
    receiveTimeMicros: RECV,
    bidPrice: '6012.25',
    bidSize: '12',
    askPrice: '6012.50',
    askSize: '3',
  };
  const q = normaliser.quote(raw)!;
  assert.deepEqual(
    [q.instrumentId, q.bidPrice, q.bidSize, q.askPrice, q.askSize, q.priceScale],
    ['ESZ6.XCME', '601225', '12', '601250', '3', 2],
  );
});

test('rejects and counts an unknown venue symbol with an UNKNOWN_SYMBOL alert', () => {
  const { normaliser, out } = setup();
  assert.equal(normaliser.trade(trade('TSLA', '250.00', '1')), undefined);
  assert.equal(normaliser.trade(trade('TSLA', '250.00', '1')), undefined);
  assert.equal(normaliser.trade(trade('AAPL', '250.00', '1', 'OTHER')), undefined);
  assert.equal(normaliser.rejectionCount('SIM', 'unknown_symbol'), 2);
  assert.equal(normaliser.rejectionCount('OTHER', 'unknown_symbol'), 1);
  const a = out.alerts[0]!;
  assert.equal(a.kind, eventsV1.AlertKind.ALERT_KIND_UNKNOWN_SYMBOL);
  assert.equal(a.venue, 'SIM');
  assert.equal(a.instrumentId, '');
  assert.equal(a.attributes.venue_symbol, 'TSLA');
  assert.match(a.message, /"TSLA" is not in the instrument master/);
});

test('rejects a price with more digits than the scale or off the tick as OFF_TICK_PRICE', () => {
  const { normaliser, out } = setup();
  assert.equal(normaliser.trade(trade('AAPL', '189.505', '1')), undefined); // 3 decimals at scale 2
  assert.equal(normaliser.trade(trade('ESZ6', '6012.10', '1')), undefined); // not a multiple of 0.25
  assert.equal(normaliser.rejectionCount('SIM', 'off_tick_price'), 2);
  assert.deepEqual(
    out.alerts.map((a) => [a.kind, a.instrumentId, a.attributes.value, a.attributes.tick_size]),
    [
      [eventsV1.AlertKind.ALERT_KIND_OFF_TICK_PRICE, 'AAPL.XNAS', '189.505', '0.01'],
      [eventsV1.AlertKind.ALERT_KIND_OFF_TICK_PRICE, 'ESZ6.XCME', '6012.10', '0.25'],
    ],
  );
});

test('rejects a size that is not a whole number of lots', () => {
  const { normaliser, out } = setup();
  assert.equal(normaliser.trade(trade('BTC-USDT', '42000.00', '0.000005')), undefined);
  assert.equal(normaliser.trade(trade('AAPL', '189.50', '1.5')), undefined);
  assert.equal(normaliser.rejectionCount('SIM', 'off_lot_size'), 2);
  assert.equal(out.alerts[0]!.kind, eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE);
  assert.equal(out.alerts[0]!.attributes.reason, 'off_lot_size');
  assert.equal(out.alerts[0]!.attributes.lot_size, '0.00001');
});

test('rejects malformed and out-of-range numbers as MALFORMED_MESSAGE with the reason', () => {
  const { normaliser, out } = setup();
  assert.equal(normaliser.trade(trade('AAPL', '1.8950e2', '1')), undefined);
  assert.equal(normaliser.trade(trade('AAPL', '189.50', '-5')), undefined);
  assert.equal(normaliser.trade(trade('AAPL', '189.50', '')), undefined);
  assert.equal(normaliser.trade(trade('AAPL', '99999999999999999.00', '1')), undefined);
  assert.equal(normaliser.rejectionCount('SIM', 'malformed_number'), 4);
  assert.deepEqual(
    out.alerts.map((a) => [a.attributes.reason, a.attributes.field, a.attributes.detail]),
    [
      ['malformed_number', 'price', 'malformed'],
      ['malformed_number', 'size', 'malformed'],
      ['malformed_number', 'size', 'malformed'],
      ['malformed_number', 'price', 'out_of_range'],
    ],
  );
  assert.ok(out.alerts.every((a) => a.kind === eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE));
});

test('rejects a zero-size trade and a diff whose previous sequence is not below its sequence', () => {
  const { normaliser } = setup();
  assert.equal(normaliser.trade(trade('AAPL', '189.50', '0')), undefined);
  const bad: RawDepth = {
    type: 'depth',
    kind: 'diff',
    venue: 'SIM',
    symbol: 'AAPL',
    exchangeTimeMicros: EXCH,
    receiveTimeMicros: RECV,
    sequence: 10n,
    previousSequence: 10n,
    bids: [],
    asks: [],
  };
  assert.equal(normaliser.depth(bad), undefined);
  assert.equal(normaliser.depth({ ...bad, sequence: 2n ** 60n, previousSequence: 1n }), undefined);
  assert.equal(normaliser.rejectionCount('SIM', 'malformed_message'), 3);
});

test('rejects a whole depth update when one level is off the tick', () => {
  const { normaliser } = setup();
  const d: RawDepth = {
    type: 'depth',
    kind: 'diff',
    venue: 'SIM',
    symbol: 'ESZ6',
    exchangeTimeMicros: EXCH,
    receiveTimeMicros: RECV,
    sequence: 11n,
    previousSequence: 10n,
    bids: [
      ['6012.25', '3'],
      ['6012.10', '1'],
    ],
    asks: [],
  };
  assert.equal(normaliser.depth(d), undefined);
  assert.equal(normaliser.rejectionCount('SIM', 'off_tick_price'), 1);
  const ok = normaliser.depth({ ...d, bids: [['6012.25', '3']] })!;
  assert.equal(ok.bidCount, 1);
  assert.equal(ok.bidPrices[0], 601225);
  assert.equal(ok.sequence, 11);
  assert.equal(ok.previousSequence, 10);
});

test('counts a frame the adapter could not decode, with its line', () => {
  const { normaliser, out } = setup();
  normaliser.malformedFrame({
    venue: 'SIM',
    reason: 'not JSON',
    frame: '{oops',
    receiveTimeMicros: RECV,
    line: 7,
  });
  assert.deepEqual(normaliser.rejectionCounts(), [{ venue: 'SIM', reason: 'malformed_message', count: 1 }]);
  assert.equal(out.alerts[0]!.attributes.line, '7');
  assert.equal(out.alerts[0]!.attributes.frame, '{oops');
});
