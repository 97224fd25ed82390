import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstrumentMaster, InstrumentQueryError } from './instrument-master';
import { parseSeed, SeedError } from './seed-loader';

const SEED = `
instruments:
  - { id: AAPL.XNAS, symbol: AAPL, description: Apple, assetClass: EQUITY, venue: XNAS, currency: USD,
      priceScale: 2, sizeScale: 0, tickSize: "0.01", lotSize: "1", venueSymbols: { XNAS: AAPL, SIM: AAPL } }
  - { id: ESZ6.XCME, symbol: ESZ6, description: E-mini, assetClass: FUTURE, venue: XCME, currency: USD,
      priceScale: 2, sizeScale: 0, tickSize: "0.25", lotSize: "1", multiplier: "50", expiryDate: "2026-12-18",
      venueSymbols: { XCME: ESZ6 } }
  - { id: BTC-USDT.BINANCE, symbol: BTC/USDT, description: Bitcoin, assetClass: CRYPTO_SPOT, venue: BINANCE,
      currency: USDT, baseCurrency: BTC, priceScale: 2, sizeScale: 5, tickSize: "0.01", lotSize: "0.00001",
      venueSymbols: { BINANCE: BTCUSDT } }
`;

test('loads a seed into exact fixed-point instruments', () => {
  const [aapl, es, btc] = parseSeed(SEED);
  assert.deepEqual(aapl!.tickSize, { mantissa: 1n, scale: 2 });
  assert.deepEqual(es!.tickSize, { mantissa: 25n, scale: 2 });
  assert.deepEqual(es!.multiplier, { mantissa: 50n, scale: 0 });
  assert.deepEqual(btc!.lotSize, { mantissa: 1n, scale: 5 });
  assert.deepEqual(btc!.minSize, btc!.lotSize, 'minSize defaults to the lot size');
  assert.equal(aapl!.status, 'ACTIVE');
});

test('reports every problem of a bad seed, each naming the instrument and field', () => {
  const bad = `
instruments:
  - { id: AAPL, symbol: AAPL, description: x, assetClass: STOCK, venue: XNAS, currency: USD,
      priceScale: 2, sizeScale: 0, tickSize: 0.01, lotSize: "1" }
  - { id: EURUSD.EBSM, symbol: EUR/USD, description: x, assetClass: FX_SPOT, venue: EBSM, currency: USD,
      priceScale: 4, sizeScale: 0, tickSize: "0.00001", lotSize: "1000" }
  - { id: X.XNAS, symbol: X, description: x, assetClass: EQUITY, venue: XNAS, currency: USD, priceScale: 2,
      sizeScale: 0, tickSize: "0.01", lotSize: "1", venueSymbols: { XNAS: X } }
  - { id: X.XNAS, symbol: X, description: x, assetClass: EQUITY, venue: XNAS, currency: USD, priceScale: 2,
      sizeScale: 0, tickSize: "0.01", lotSize: "1" }
`;
  const err = (() => {
    try {
      parseSeed(bad, 'bad.yaml');
    } catch (e) {
      return e as SeedError;
    }
    assert.fail('expected SeedError');
  })();
  assert.ok(err instanceof SeedError);
  const text = err.problems.join('\n');
  assert.match(text, /instruments\[0\] \(AAPL\)\.id: "AAPL" is not of the form SYMBOL\.VENUE/);
  assert.match(text, /instruments\[0\] \(AAPL\)\.assetClass: must be one of/);
  assert.match(text, /instruments\[0\] \(AAPL\)\.tickSize: must be a quoted decimal string/);
  assert.match(
    text,
    /instruments\[1\] \(EURUSD\.EBSM\)\.tickSize: 0\.00001 does not fit in 4 decimal places/,
  );
  assert.match(text, /instruments\[1\] \(EURUSD\.EBSM\)\.baseCurrency: is required/);
  assert.match(text, /instruments\[3\] \(X\.XNAS\)\.id: duplicate id X\.XNAS/);
  assert.match(text, /instruments\[0\] \(AAPL\)\.id: must end with ".XNAS"/);
  assert.equal(err.problems.length, 7);
});

test('lists with filters and stable cursor paging', () => {
  const master = new InstrumentMaster(parseSeed(SEED));
  const first = master.list({}, 2);
  assert.deepEqual(
    first.instruments.map((i) => i.instrumentId),
    ['AAPL.XNAS', 'BTC-USDT.BINANCE'],
  );
  assert.equal(first.totalSize, 3);
  assert.notEqual(first.nextPageToken, '');
  const second = master.list({}, 2, first.nextPageToken);
  assert.deepEqual(
    second.instruments.map((i) => i.instrumentId),
    ['ESZ6.XCME'],
  );
  assert.equal(second.nextPageToken, '');
  assert.deepEqual(
    master.list({ assetClasses: ['FUTURE'] }).instruments.map((i) => i.instrumentId),
    ['ESZ6.XCME'],
  );
  assert.deepEqual(
    master.list({ query: 'bitcoin' }).instruments.map((i) => i.instrumentId),
    ['BTC-USDT.BINANCE'],
  );
  assert.throws(() => master.list({}, 2, 'garbage'), InstrumentQueryError);
});

test('gets by id and resolves venue symbols; malformed ids are refused', () => {
  const master = new InstrumentMaster(parseSeed(SEED));
  assert.equal(master.get('ESZ6.XCME')?.symbol, 'ESZ6');
  assert.equal(master.get('NOPE.XNAS'), undefined);
  assert.throws(() => master.get('not an id'), /not of the form SYMBOL\.VENUE/);
  assert.throws(() => master.get(''), /instrument_id is required/);
  assert.equal(master.resolveVenueSymbol('BINANCE', 'BTCUSDT')?.instrumentId, 'BTC-USDT.BINANCE');
  assert.equal(master.resolveVenueSymbol('BINANCE', 'DOGEUSDT'), undefined);
});
