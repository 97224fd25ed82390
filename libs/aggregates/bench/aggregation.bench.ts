// Aggregation throughput: 5,000,000 synthetic trades (pre-generated typed arrays: a random walk on
// a 0.25 tick grid, 8 instruments, Poisson-like arrivals) through 1 s and 1 min bars, session VWAP
// with bands, cumulative delta, 1-min footprints and the session volume profile, one process, one
// core. Then SMA(20), EMA(20), RSI(14), MACD(12,26,9), Bollinger(20,2) and ATR(14) over the 1 s bar
// closes, computed by @tapeline/indicators and by technicalindicators (streaming nextValue and
// batch calculate; the faster of the two is the baseline) on the same series.
//
//   npx tsc -b libs/aggregates && node libs/aggregates/dist/bench/aggregation.bench.js [--trades N]
import * as ti from 'technicalindicators';
import {
  AverageTrueRange,
  BollingerBands,
  ExponentialMovingAverage,
  MovingAverageConvergenceDivergence,
  RelativeStrengthIndex,
  SimpleMovingAverage,
} from '@tapeline/indicators';
import { type Bar, InstrumentAggregates, type InstrumentAggregatesSpec } from '../src';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TRADES = arg('trades', 5_000_000);
const INSTRUMENTS = 8;
const WARMUP = 300_000;
const TICK = 25; // 0.25 at price scale 2
const START = Date.UTC(2024, 0, 2, 8) * 1000; // 08:00 UTC, µs
const MEAN_GAP_MICROS = 4000; // ~250 trades/s over all instruments: ~5.5 h of market
const log = (msg: string): void => void process.stderr.write(`[bench:aggregation] ${msg}\n`);

interface Tape {
  instrument: Uint8Array;
  time: Float64Array;
  sequence: Float64Array;
  price: Float64Array;
  size: Float64Array;
  side: Uint8Array;
}

function generate(n: number, seed: number): Tape {
  let s = seed >>> 0;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const tape: Tape = {
    instrument: new Uint8Array(n),
    time: new Float64Array(n),
    sequence: new Float64Array(n),
    price: new Float64Array(n),
    size: new Float64Array(n),
    side: new Uint8Array(n),
  };
  const prices = Array.from({ length: INSTRUMENTS }, (_, i) => 400_000 + i * 25_000); // 4000.00 ...
  const seqs = new Array<number>(INSTRUMENTS).fill(0);
  let time = START;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rnd() * INSTRUMENTS);
    time += Math.max(1, Math.round(-Math.log(1 - rnd()) * MEAN_GAP_MICROS));
    // Mostly unchanged or +-1 tick, sometimes 2-3 ticks: a realistic tape, slightly mean-reverting.
    const r = rnd();
    const step = r < 0.6 ? 0 : r < 0.95 ? 1 : r < 0.99 ? 2 : 3;
    const up = rnd() < 0.5 + (400_000 + k * 25_000 - prices[k]!) / 2_000_000;
    prices[k] = prices[k]! + (up ? step : -step) * TICK;
    tape.instrument[i] = k;
    tape.time[i] = time;
    tape.sequence[i] = ++seqs[k]!;
    tape.price[i] = prices[k]!;
    tape.size[i] = 1 + Math.floor(-Math.log(1 - rnd()) * 8); // geometric-ish, mean ~8 lots
    tape.side[i] = up ? (rnd() < 0.7 ? 1 : 2) : rnd() < 0.7 ? 2 : 1;
  }
  return tape;
}

function spec(i: number): InstrumentAggregatesSpec {
  return {
    instrumentId: `INST${i}`,
    priceScale: 2,
    sizeScale: 0,
    tickSize: TICK,
    bars: [{ barType: '1s' }, { barType: '1m', footprint: { imbalanceRatio: 3, stackedLevels: 3 } }],
  };
}

function feed(tape: Tape, onBar: (k: number, bar: Bar) => void): InstrumentAggregates[] {
  const aggs = Array.from(
    { length: INSTRUMENTS },
    (_, k) => new InstrumentAggregates(spec(k), { onBar: (b) => onBar(k, b) }),
  );
  const { instrument, time, sequence, price, size, side } = tape;
  for (let i = 0; i < instrument.length; i++) {
    aggs[instrument[i]!]!.onTrade(time[i]!, sequence[i]!, price[i]!, size[i]!, side[i]!);
  }
  const end = time[time.length - 1]! + 60_000_000;
  for (const a of aggs) a.advanceTo(end);
  return aggs;
}

interface Series {
  high: number[];
  low: number[];
  close: number[];
}

// Our six indicators over one series; returns a checksum so that nothing is optimised away.
function ours(s: Series): number {
  const sma = new SimpleMovingAverage(20);
  const ema = new ExponentialMovingAverage(20);
  const rsi = new RelativeStrengthIndex(14);
  const macd = new MovingAverageConvergenceDivergence(12, 26, 9);
  const bb = new BollingerBands(20, 2);
  const atr = new AverageTrueRange(14);
  const { high, low, close } = s;
  for (let i = 0; i < close.length; i++) {
    const c = close[i]!;
    sma.update(c);
    ema.update(c);
    rsi.update(c);
    macd.update(c);
    bb.update(c);
    atr.update(high[i]!, low[i]!, c);
  }
  return sma.value + ema.value + rsi.value + macd.signal + bb.upper + atr.value;
}

function libraryStreaming(s: Series): number {
  const sma = new ti.SMA({ period: 20, values: [] });
  const ema = new ti.EMA({ period: 20, values: [] });
  const rsi = new ti.RSI({ period: 14, values: [] });
  const macd = new ti.MACD({
    values: [],
    fastPeriod: 12,
    slowPeriod: 26,
    signalPeriod: 9,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  });
  const bb = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
  const atr = new ti.ATR({ period: 14, high: [], low: [], close: [] });
  let a = 0;
  let b = 0;
  let c2 = 0;
  let d: ReturnType<typeof macd.nextValue> | undefined;
  let e: ReturnType<typeof bb.nextValue> | undefined;
  let f = 0;
  for (let i = 0; i < s.close.length; i++) {
    const c = s.close[i]!;
    a = sma.nextValue(c) ?? a;
    b = ema.nextValue(c) ?? b;
    c2 = rsi.nextValue(c) ?? c2;
    d = macd.nextValue(c) ?? d;
    e = bb.nextValue(c) ?? e;
    f = (atr.nextValue({ high: s.high[i]!, low: s.low[i]!, close: c } as never) as number | undefined) ?? f;
  }
  return a + b + c2 + (d?.signal ?? 0) + (e?.upper ?? 0) + f;
}

function libraryBatch(s: Series): number {
  const last = <T>(xs: T[]): T => xs[xs.length - 1]!;
  const values = s.close;
  return (
    last(ti.SMA.calculate({ period: 20, values })) +
    last(ti.EMA.calculate({ period: 20, values })) +
    last(ti.RSI.calculate({ period: 14, values })) +
    (last(
      ti.MACD.calculate({
        values,
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
      }),
    ).signal ?? 0) +
    last(ti.BollingerBands.calculate({ period: 20, stdDev: 2, values })).upper +
    last(ti.ATR.calculate({ period: 14, high: s.high, low: s.low, close: s.close }))
  );
}

function timeIt(run: () => number, minUpdates: number, updatesPerRun: number): { ms: number; check: number } {
  run(); // warm-up pass
  const passes = Math.max(1, Math.ceil(minUpdates / updatesPerRun));
  let check = 0;
  const t = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) check += run();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6 / passes, check: check / passes };
}

function main(): void {
  log(`generating ${TRADES.toLocaleString()} trades over ${INSTRUMENTS} instruments`);
  const warm = generate(WARMUP, 7);
  const tape = generate(TRADES, 20240102);
  feed(warm, () => undefined);

  const series: Series[] = Array.from({ length: INSTRUMENTS }, () => ({ high: [], low: [], close: [] }));
  let bars1m = 0;
  let footprintLevels = 0;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const aggs = feed(tape, (k, bar) => {
    if (bar.barType === '1s') {
      const s = series[k]!;
      s.high.push(bar.high / 100);
      s.low.push(bar.low / 100);
      s.close.push(bar.close / 100);
    } else {
      bars1m++;
      footprintLevels += bar.footprint!.levels.length;
    }
  });
  const feedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
  const tradesPerS = TRADES / (feedMs / 1000);
  const bars1s = series.reduce((n, s) => n + s.close.length, 0);
  log(
    `feed: ${feedMs.toFixed(0)} ms, ${Math.round(tradesPerS).toLocaleString()} trades/s; ` +
      `${bars1s} 1s bars, ${bars1m} 1m bars (${footprintLevels} footprint levels)`,
  );
  const v = aggs[0]!.sessionVwapValue()!;
  const p = aggs[0]!.sessionProfile()!;
  log(
    `INST0 session VWAP ${v.vwap} (sigma ${v.stdDev.toFixed(1)}), POC ${p.pocPrice}, VA ${p.valueAreaLow}..${p.valueAreaHigh}, CD ${aggs[0]!.cumulativeDelta}`,
  );

  const updates = bars1s; // bars per pass; each bar updates the six indicators
  const runAll = (f: (s: Series) => number) => (): number => series.reduce((acc, s) => acc + f(s), 0);
  const mine = timeIt(runAll(ours), 2_000_000, updates);
  const stream = timeIt(runAll(libraryStreaming), 500_000, updates);
  const batch = timeIt(runAll(libraryBatch), 500_000, updates);
  const baselineMs = Math.min(stream.ms, batch.ms);
  log(
    `indicators over ${updates} bars: ours ${mine.ms.toFixed(2)} ms, technicalindicators ` +
      `streaming ${stream.ms.toFixed(2)} ms, batch ${batch.ms.toFixed(2)} ms`,
  );
  // Same definitions except RSI (the library rounds to 2 decimals): checksums agree closely.
  log(
    `checksums: ours ${mine.check.toFixed(4)}, streaming ${stream.check.toFixed(4)}, batch ${batch.check.toFixed(4)}`,
  );

  const result = {
    trades_per_s: Math.round(tradesPerS),
    feed_ms: Math.round(feedMs),
    heap_growth_mb: Math.round(heapMb * 10) / 10,
    indicator_updates_per_s: Math.round(updates / (mine.ms / 1000)),
    lib_indicator_updates_per_s: Math.round(updates / (baselineMs / 1000)),
    indicator_ratio: Math.round((baselineMs / mine.ms) * 100) / 100,
  };
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

main();
