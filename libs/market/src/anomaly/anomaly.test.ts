import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsV1 } from '@tapeline/contracts';
import type { ResolvedInstrument } from '../instrument-resolver';
import { OutlierPriceDetector } from './outlier-price-detector';
import { StaleFeedDetector } from './stale-feed-detector';

const T0 = 1_767_225_600_000_000n;
const AAPL: ResolvedInstrument = {
  instrumentId: 'AAPL.XNAS',
  priceScale: 2,
  sizeScale: 0,
  tickMantissa: 1,
  lotMantissa: 1,
};

test('raises one stale-feed alert per silent spell, from an explicit check', () => {
  const d = new StaleFeedDetector({ thresholdMicros: 5_000_000n });
  d.observe('SIM', 'AAPL.XNAS', T0);
  d.observe('SIM', 'MSFT.XNAS', T0 + 4_000_000n);
  assert.deepEqual(d.check(T0 + 5_000_000n), []); // exactly at the threshold: not yet
  const first = d.check(T0 + 5_000_001n);
  assert.equal(first.length, 1);
  assert.equal(first[0]!.kind, eventsV1.AlertKind.ALERT_KIND_STALE_FEED);
  assert.equal(first[0]!.instrumentId, 'AAPL.XNAS');
  assert.equal(first[0]!.attributes.silent_micros, '5000001');
  assert.equal(first[0]!.attributes.last_update_micros, String(T0));
  assert.equal(first[0]!.raisedAtMicros, String(T0 + 5_000_001n));
  assert.deepEqual(
    d.check(T0 + 9_500_000n).map((a) => a.instrumentId),
    ['MSFT.XNAS'],
  );
  assert.deepEqual(d.check(T0 + 20_000_000n), []); // still silent: no repeat
  d.observe('SIM', 'AAPL.XNAS', T0 + 20_000_000n);
  assert.deepEqual(d.check(T0 + 24_000_000n), []);
  assert.equal(d.check(T0 + 25_000_001n).length, 1); // silent again
});

test('flags a price beyond k standard deviations of the rolling reference', () => {
  const d = new OutlierPriceDetector({ window: 10, minSamples: 10, stdDevs: 4, bandRatio: 1 });
  // Alternating 100.00 / 100.02: mean 100.01, standard deviation 0.01 (1 tick).
  for (let i = 0; i < 10; i++) assert.equal(d.observe('SIM', AAPL, i % 2 ? 10002 : 10000, T0), undefined);
  assert.equal(d.observe('SIM', AAPL, 10005, T0), undefined); // 4 std devs exactly: not beyond
  // Window now 5 x 100.02, 4 x 100.00, 100.05: mean 100.015, standard deviation 0.015.
  const alert = d.observe('SIM', AAPL, 10008, T0)!; // 0.065 away: 4.33 std devs
  assert.ok(alert, 'expected an outlier alert');
  assert.equal(alert.kind, eventsV1.AlertKind.ALERT_KIND_OUTLIER_PRICE);
  assert.equal(alert.attributes.price, '100.08');
  assert.equal(alert.attributes.reference, '100.0150');
  assert.equal(alert.attributes.std_dev, '0.0150');
  assert.equal(alert.attributes.deviation_std_devs, '4.33');
  assert.equal(alert.attributes.source, 'trade');
});

test('flags a price outside the % band even when the window is noisy', () => {
  const d = new OutlierPriceDetector({ window: 4, minSamples: 4, stdDevs: 1e9, bandRatio: 0.05 });
  for (const p of [10000, 10000, 10000, 10000]) d.observe('SIM', AAPL, p, T0);
  assert.equal(d.observe('SIM', AAPL, 10500, T0), undefined); // exactly 5%
  const alert = d.observe('SIM', AAPL, 9400, T0)!;
  assert.equal(alert.attributes.reference, '101.25'); // window 100, 100, 100, 105
  assert.equal(alert.attributes.deviation_ratio, (725 / 10125).toFixed(6));
});

test('keeps outliers out of the reference, and accepts a sustained move', () => {
  const d = new OutlierPriceDetector({
    window: 5,
    minSamples: 5,
    stdDevs: 1e9,
    bandRatio: 0.1,
    acceptAfter: 3,
  });
  for (let i = 0; i < 5; i++) d.observe('SIM', AAPL, 10000, T0);
  assert.ok(d.observe('SIM', AAPL, 20000, T0)); // bad print
  assert.equal(d.observe('SIM', AAPL, 10000, T0), undefined); // reference unharmed
  assert.ok(d.observe('SIM', AAPL, 15000, T0));
  assert.ok(d.observe('SIM', AAPL, 15000, T0));
  assert.ok(d.observe('SIM', AAPL, 15000, T0)); // third in a row: the reference restarts here
  for (let i = 0; i < 4; i++) assert.equal(d.observe('SIM', AAPL, 15000, T0), undefined);
  assert.equal(d.observe('SIM', AAPL, 15100, T0), undefined);
  assert.ok(d.observe('SIM', AAPL, 10000, T0)); // the old level is now the outlier
});
