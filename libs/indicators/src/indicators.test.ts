import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ti from 'technicalindicators';
import {
  AverageTrueRange,
  BollingerBands,
  ExponentialMovingAverage,
  IndicatorError,
  MovingAverageConvergenceDivergence,
  RelativeStrengthIndex,
  SimpleMovingAverage,
} from './index';

function close(actual: number, expected: number, relative = 1e-9, label = ''): void {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(
    Math.abs(actual - expected) <= relative * scale,
    `${label} expected ${expected}, got ${actual} (diff ${actual - expected})`,
  );
}

// Deterministic random walk with bars (high/low around the close), like 1-minute closes.
function series(n: number, seed = 7): { high: number[]; low: number[]; close: number[] } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const high: number[] = [];
  const low: number[] = [];
  const closes: number[] = [];
  let price = 4500;
  for (let i = 0; i < n; i++) {
    price = Math.max(1, price + Math.round((rnd() - 0.5) * 8) * 0.25);
    closes.push(price);
    high.push(price + Math.round(rnd() * 4) * 0.25);
    low.push(price - Math.round(rnd() * 4) * 0.25);
  }
  return { high, low, close: closes };
}

const data = series(3000);

test('SMA averages the last period values once the window is full', () => {
  const sma = new SimpleMovingAverage(3);
  assert.ok(Number.isNaN(sma.update(1)));
  assert.ok(Number.isNaN(sma.update(2)));
  assert.equal(sma.update(3), 2);
  assert.equal(sma.update(4), 3);
  assert.equal(sma.update(5), 4);
});

test('EMA is seeded with the SMA of the first period values', () => {
  const ema = new ExponentialMovingAverage(3);
  [1, 2].forEach((x) => assert.ok(Number.isNaN(ema.update(x))));
  assert.equal(ema.update(3), 2);
  assert.equal(ema.update(4), 3); // (4 - 2) * 0.5 + 2
  assert.equal(ema.update(5), 4);
});

test('RSI uses Wilder smoothing after a simple-mean seed', () => {
  const rsi = new RelativeStrengthIndex(2);
  assert.ok(Number.isNaN(rsi.update(1)));
  assert.ok(Number.isNaN(rsi.update(2)));
  close(rsi.update(1.5), 100 - 100 / 3, 1e-12); // gain 0.5, loss 0.25: RS 2
  close(rsi.update(2.5), 100 - 100 / 7, 1e-12); // gain 0.75, loss 0.125: RS 6
});

test('RSI of a flat window is neutral 50, of a rising one 100, of a falling one 0', () => {
  const flat = new RelativeStrengthIndex(3);
  const up = new RelativeStrengthIndex(3);
  const down = new RelativeStrengthIndex(3);
  for (let i = 0; i < 6; i++) {
    flat.update(10);
    up.update(10 + i);
    down.update(10 - i);
  }
  assert.equal(flat.value, 50);
  assert.equal(up.value, 100);
  assert.equal(down.value, 0);
});

test('Bollinger bands use the population standard deviation of the window', () => {
  const bb = new BollingerBands(3, 2);
  bb.update(1);
  bb.update(2);
  assert.equal(bb.update(3), 2);
  close(bb.stdDev, Math.sqrt(2 / 3), 1e-12);
  close(bb.upper, 2 + 2 * Math.sqrt(2 / 3), 1e-12);
  close(bb.lower, 2 - 2 * Math.sqrt(2 / 3), 1e-12);
});

test('ATR starts from the second bar true range and smooths with 1/period', () => {
  const atr = new AverageTrueRange(2);
  assert.ok(Number.isNaN(atr.update(10, 8, 9)));
  assert.ok(Number.isNaN(atr.update(11, 9, 10))); // TR 2
  assert.equal(atr.update(12, 10, 11), 2); // TR 2, seed = mean(2, 2)
  assert.equal(atr.update(10, 7, 8), 3); // TR = |7 - 11| = 4: (4 - 2) / 2 + 2
});

test('rejects a zero period and a non-finite input with typed errors', () => {
  assert.throws(
    () => new SimpleMovingAverage(0),
    (e: unknown) => e instanceof IndicatorError && e.code === 'INVALID_PERIOD',
  );
  const ema = new ExponentialMovingAverage(3);
  assert.throws(
    () => ema.update(NaN),
    (e: unknown) => e instanceof IndicatorError && e.code === 'NON_FINITE_INPUT',
  );
});

test('SMA and EMA agree with technicalindicators on the same closes', () => {
  const expectedSma = ti.SMA.calculate({ period: 20, values: data.close });
  const expectedEma = ti.EMA.calculate({ period: 12, values: data.close });
  const sma = new SimpleMovingAverage(20);
  const ema = new ExponentialMovingAverage(12);
  const gotSma: number[] = [];
  const gotEma: number[] = [];
  for (const c of data.close) {
    if (!Number.isNaN(sma.update(c))) gotSma.push(sma.value);
    if (!Number.isNaN(ema.update(c))) gotEma.push(ema.value);
  }
  assert.equal(gotSma.length, expectedSma.length);
  assert.equal(gotEma.length, expectedEma.length);
  gotSma.forEach((v, i) => close(v, expectedSma[i]!, 1e-9, `SMA[${i}]`));
  gotEma.forEach((v, i) => close(v, expectedEma[i]!, 1e-9, `EMA[${i}]`));
});

test('RSI agrees with technicalindicators to its two-decimal rounding', () => {
  const expected = ti.RSI.calculate({ period: 14, values: data.close });
  const rsi = new RelativeStrengthIndex(14);
  const got: number[] = [];
  for (const c of data.close) if (!Number.isNaN(rsi.update(c))) got.push(rsi.value);
  assert.equal(got.length, expected.length);
  // The library rounds to 2 decimals: a difference of at most half a hundredth (plus float noise).
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]!) <= 0.005 + 1e-9, `RSI[${i}] ${v} vs ${expected[i]}`),
  );
});

test('MACD 12/26/9 with EMAs agrees with technicalindicators', () => {
  const expected = ti.MACD.calculate({
    values: data.close,
    fastPeriod: 12,
    slowPeriod: 26,
    signalPeriod: 9,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  });
  const macd = new MovingAverageConvergenceDivergence(12, 26, 9);
  const got: { MACD: number; signal: number; histogram: number }[] = [];
  for (const c of data.close) {
    if (!Number.isNaN(macd.update(c)))
      got.push({ MACD: macd.value, signal: macd.signal, histogram: macd.histogram });
  }
  assert.equal(got.length, expected.length);
  got.forEach((v, i) => {
    const e = expected[i]!;
    close(v.MACD, e.MACD!, 1e-9, `MACD[${i}]`);
    if (e.signal === undefined) assert.ok(Number.isNaN(v.signal), `signal[${i}] should not be ready`);
    else {
      close(v.signal, e.signal, 1e-9, `signal[${i}]`);
      close(v.histogram, e.histogram!, 1e-9, `histogram[${i}]`);
    }
  });
});

test('Bollinger bands 20/2 agree with technicalindicators over a long series', () => {
  const expected = ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: data.close });
  const bb = new BollingerBands(20, 2);
  let j = 0;
  for (const c of data.close) {
    if (Number.isNaN(bb.update(c))) continue;
    const e = expected[j++]!;
    close(bb.middle, e.middle, 1e-9, `middle[${j}]`);
    close(bb.upper, e.upper, 1e-9, `upper[${j}]`);
    close(bb.lower, e.lower, 1e-9, `lower[${j}]`);
  }
  assert.equal(j, expected.length);
});

test('ATR 14 agrees with technicalindicators', () => {
  const expected = ti.ATR.calculate({ period: 14, high: data.high, low: data.low, close: data.close });
  const atr = new AverageTrueRange(14);
  const got: number[] = [];
  data.close.forEach((c, i) => {
    if (!Number.isNaN(atr.update(data.high[i]!, data.low[i]!, c))) got.push(atr.value);
  });
  assert.equal(got.length, expected.length);
  got.forEach((v, i) => close(v, expected[i]!, 1e-9, `ATR[${i}]`));
});
