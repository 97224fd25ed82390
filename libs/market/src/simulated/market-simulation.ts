import { formatFixed } from '@tapeline/fixed-point';
import type { Instrument } from '@tapeline/instruments';
import { DecimalScaler, formatScaled } from '../decimal-scaler';
import { MarketError } from '../errors';
import type { AggressorSide, RawDepth, RawLevel, RawMarketEvent, RawTrade } from '../feed';
import { L2Book, type BookSide } from '../book/l2-book';
import { SeededRandom } from './seeded-random';

/** An instrument as the simulated venue lists it: venue symbol and decimals as strings. */
export interface SimulatedInstrument {
  readonly symbol: string;
  readonly priceScale: number;
  readonly sizeScale: number;
  readonly tickSize: string;
  readonly lotSize: string;
  /** On the tick. */
  readonly startPrice: string;
}

export interface SimulationOptions {
  readonly instruments: readonly SimulatedInstrument[];
  readonly seed: number;
  readonly venue?: string;
  /** Book depth per side. */
  readonly levels?: number;
  /** Exchange time of the first event; a fixed default keeps runs reproducible. */
  readonly startTimeMicros?: bigint;
  /** Mean market updates per second of simulated time (bursts and quiet spells vary it). */
  readonly eventsPerSecond?: number;
  /** Probability that a depth diff is lost on the way (exercises gap detection); 0 by default. */
  readonly lossRate?: number;
  /** Mean feed latency added to the exchange time to make the receive time. */
  readonly latencyMicros?: number;
}

/** 2026-01-01T00:00:00Z */
export const DEFAULT_SIM_START_MICROS = 1_767_225_600_000_000n;

/** The simulated venue's listing of a master instrument. */
export function simulatedInstrument(
  instrument: Instrument,
  venue: string,
  startPrice: string,
): SimulatedInstrument {
  const listing = instrument.venueSymbols.find((v) => v.venue === venue);
  if (!listing) {
    throw new MarketError('INVALID_INSTRUMENT', `${instrument.instrumentId} has no symbol on venue ${venue}`);
  }
  return {
    symbol: listing.symbol,
    priceScale: instrument.priceScale,
    sizeScale: instrument.sizeScale,
    tickSize: formatFixed(instrument.tickSize),
    lotSize: formatFixed(instrument.lotSize),
    startPrice,
  };
}

// Activity of the whole venue: the simulated clock runs at eventsPerSecond x intensity.
const INTENSITY = [1, 6, 0.15]; // normal, burst, quiet
const ACTIVITY_SWITCH = [0.0008, 0.004, 0.02]; // per update, leaving that state

/**
 * One instrument's market, in ticks and lots. The fair value random-walks (faster in the volatile
 * regime); limit orders are added around it, cancelled, and hit by marketable orders whose side
 * leans towards the fair value, so the book follows it. The book never crosses: bids are added
 * below the best ask, asks above the best bid, and trades only consume the opposite side.
 */
class SimMarket {
  readonly book = new L2Book();
  fair: number;
  volatile = false;
  sequence = 1;
  tradeCount = 0;
  readonly changedBids: number[] = [];
  readonly changedAsks: number[] = [];

  constructor(
    readonly symbol: string,
    readonly priceScale: number,
    readonly sizeScale: number,
    readonly tick: number,
    readonly lot: number,
    startTicks: number,
    levels: number,
    rng: SeededRandom,
  ) {
    this.fair = startTicks;
    const bestBid = Math.ceil(startTicks) - 1;
    for (let i = 0; i < levels; i++) {
      this.book.bids.set(bestBid - i, 1 + rng.int(5) + 2 * i);
      this.book.asks.set(bestBid + 1 + i, 1 + rng.int(5) + 2 * i);
    }
  }

  price(ticks: number): string {
    return formatScaled(ticks * this.tick, this.priceScale);
  }

  size(lots: number): string {
    return formatScaled(lots * this.lot, this.sizeScale);
  }
}

/**
 * The simulated market as a pure, seeded event source: `next()` yields RawMarketEvents in order.
 * Same options, same seed -> the same events, timestamps included. Timing (real time or as fast as
 * possible) is the SimulatedVenue adapter's business.
 */
export class MarketSimulation {
  readonly venue: string;
  private readonly rng: SeededRandom;
  private readonly markets: SimMarket[];
  private readonly bySymbol = new Map<string, SimMarket>();
  private readonly levels: number;
  private readonly meanGapMicros: number;
  private readonly lossRate: number;
  private readonly latencyMicros: number;
  private readonly queue: RawMarketEvent[] = [];
  private head = 0;
  private readonly snapshotRequests: SimMarket[] = [];
  private activity = 0;
  private timeMicros: number;
  private lastReceiveMicros = 0;

  constructor(options: SimulationOptions) {
    this.venue = options.venue ?? 'SIM';
    this.levels = options.levels ?? 10;
    const rate = options.eventsPerSecond ?? 1000;
    this.lossRate = options.lossRate ?? 0;
    this.latencyMicros = options.latencyMicros ?? 250;
    if (!Number.isInteger(this.levels) || this.levels < 1) {
      throw new MarketError('INVALID_OPTION', `levels must be a positive integer, got ${this.levels}`);
    }
    if (!(rate > 0)) throw new MarketError('INVALID_OPTION', `eventsPerSecond must be positive, got ${rate}`);
    if (!(this.lossRate >= 0 && this.lossRate < 1)) {
      throw new MarketError('INVALID_OPTION', `lossRate must be in [0, 1), got ${this.lossRate}`);
    }
    if (options.instruments.length === 0)
      throw new MarketError('INVALID_OPTION', 'no instruments to simulate');
    this.meanGapMicros = 1e6 / rate;
    this.timeMicros = Number(options.startTimeMicros ?? DEFAULT_SIM_START_MICROS);
    this.rng = new SeededRandom(options.seed);
    const scaler = new DecimalScaler();
    this.markets = options.instruments.map((i) => {
      const field = (name: string, text: string, scale: number, positive: boolean): number => {
        const v = scaler.parse(text, scale);
        if (v !== v || (positive && v <= 0)) {
          throw new MarketError(
            'INVALID_INSTRUMENT',
            `${i.symbol}: ${name} "${text}" is not valid at scale ${scale}`,
          );
        }
        return v;
      };
      const tick = field('tickSize', i.tickSize, i.priceScale, true);
      const lot = field('lotSize', i.lotSize, i.sizeScale, true);
      const start = field('startPrice', i.startPrice, i.priceScale, true);
      if (start % tick !== 0) {
        throw new MarketError(
          'INVALID_INSTRUMENT',
          `${i.symbol}: start price ${i.startPrice} is not on the tick ${i.tickSize}`,
        );
      }
      // Far enough from zero that a deep bid never reaches it.
      const startTicks = Math.max(start / tick, 4 * this.levels + 4);
      const market = new SimMarket(
        i.symbol,
        i.priceScale,
        i.sizeScale,
        tick,
        lot,
        startTicks,
        this.levels,
        this.rng,
      );
      if (this.bySymbol.has(i.symbol))
        throw new MarketError('INVALID_INSTRUMENT', `duplicate symbol ${i.symbol}`);
      this.bySymbol.set(i.symbol, market);
      return market;
    });
    // Every book opens with its snapshot, as a venue's first message after subscribing.
    for (const m of this.markets) this.queue.push(this.snapshotOf(m));
  }

  get symbols(): string[] {
    return this.markets.map((m) => m.symbol);
  }

  /** Exchange time of the next event, without consuming it. */
  peekTimeMicros(): bigint {
    return this.peek().exchangeTimeMicros;
  }

  peek(): RawMarketEvent {
    if (this.snapshotRequests.length > 0) {
      // Built when delivered: its sequence covers every change made so far, so diffs still
      // queued behind it are dropped as stale by the book builder, never double-applied.
      this.queue.splice(this.head, 0, this.snapshotOf(this.snapshotRequests.shift()!));
    }
    while (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.step();
    }
    return this.queue[this.head]!;
  }

  next(): RawMarketEvent {
    const event = this.peek();
    this.head++;
    return event;
  }

  /** Queues a snapshot of the symbol's book ahead of the next event. */
  requestSnapshot(symbol: string): void {
    const market = this.bySymbol.get(symbol);
    if (!market) throw new MarketError('UNKNOWN_SYMBOL', `${this.venue} does not list "${symbol}"`);
    if (!this.snapshotRequests.includes(market)) this.snapshotRequests.push(market);
  }

  /** Events already generated (their changes are in the books) but not yet taken by next(). */
  get pending(): number {
    return this.queue.length - this.head;
  }

  hasSymbol(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  /** The simulated book (ticks and lots), for tests. */
  bookOf(symbol: string): L2Book | undefined {
    return this.bySymbol.get(symbol)?.book;
  }

  private step(): void {
    const rng = this.rng;
    if (rng.next() < ACTIVITY_SWITCH[this.activity]!) {
      this.activity = this.activity === 0 ? 1 + rng.int(2) : 0;
    }
    this.timeMicros += rng.exponential(this.meanGapMicros / INTENSITY[this.activity]!);
    const m = this.markets[rng.int(this.markets.length)]!;
    if (rng.next() < (m.volatile ? 0.002 : 0.0005)) m.volatile = !m.volatile;
    m.fair = Math.max(m.fair + rng.normal() * (m.volatile ? 0.35 : 0.06), 2 * this.levels + 2);
    m.changedBids.length = 0;
    m.changedAsks.length = 0;
    const r = rng.next();
    const pTrade = m.volatile ? 0.15 : 0.06;
    if (r < pTrade) {
      if (!this.trade(m)) this.add(m);
    } else if (r < pTrade + 0.38) {
      this.cancel(m);
    } else {
      this.add(m);
    }
    m.sequence++;
    if (this.lossRate > 0 && rng.next() < this.lossRate) return;
    this.queue.push(this.diffOf(m));
  }

  private add(m: SimMarket): void {
    const rng = this.rng;
    const { bids, asks } = m.book;
    const lean = bids.depth < asks.depth ? 0.2 : bids.depth > asks.depth ? -0.2 : 0;
    const bid = rng.next() < 0.5 + lean;
    const side = bid ? bids : asks;
    let distance = Math.min(rng.geometric(0.3), this.levels - 1);
    // A thin side refills from the back.
    if (side.depth < this.levels && rng.next() < 0.5) distance = this.levels - 1;
    let price: number;
    if (bid) {
      price = Math.ceil(m.fair) - 1 - distance;
      if (asks.depth > 0) price = Math.min(price, asks.price(0) - 1);
      price = Math.max(price, 1);
    } else {
      price = Math.floor(m.fair) + 1 + distance;
      if (bids.depth > 0) price = Math.max(price, bids.price(0) + 1);
    }
    const lots = 1 + rng.geometric(0.25) + Math.floor(distance / 2);
    side.set(price, side.sizeAt(price) + lots);
    this.changed(m, bid, price);
    while (side.depth > this.levels) {
      this.changed(m, bid, side.price(side.depth - 1));
      side.removeWorst();
    }
  }

  private cancel(m: SimMarket): void {
    const rng = this.rng;
    const bid = rng.next() < 0.5;
    const side = bid ? m.book.bids : m.book.asks;
    if (side.depth <= 1) return this.add(m);
    const index = rng.int(side.depth);
    const price = side.price(index);
    const size = side.size(index);
    side.set(price, size - 1 - rng.int(size));
    this.changed(m, bid, price);
  }

  /** A marketable order sweeping the opposite side; false when nothing could trade. */
  private trade(m: SimMarket): boolean {
    const rng = this.rng;
    const { bids, asks } = m.book;
    if (bids.depth === 0 || asks.depth === 0) return false;
    const mid = (bids.price(0) + asks.price(0)) / 2;
    const buy = rng.next() < 1 / (1 + Math.exp(-2 * (m.fair - mid)));
    const side = buy ? asks : bids;
    let remaining = 1 + rng.geometric(m.volatile ? 0.15 : 0.3);
    let traded = false;
    while (remaining > 0 && side.depth > 0) {
      const price = side.price(0);
      const size = side.size(0);
      // The last level is never emptied, so the book always has both sides.
      const fill = Math.min(remaining, side.depth === 1 ? size - 1 : size);
      if (fill <= 0) break;
      this.queue.push(this.tradeOf(m, price, fill, buy ? 'buy' : 'sell'));
      side.set(price, size - fill);
      this.changed(m, !buy, price);
      remaining -= fill;
      traded = true;
    }
    return traded;
  }

  private changed(m: SimMarket, bid: boolean, price: number): void {
    const list = bid ? m.changedBids : m.changedAsks;
    if (!list.includes(price)) list.push(price);
  }

  private exchangeTime(): bigint {
    return BigInt(Math.round(this.timeMicros));
  }

  private receiveTime(): bigint {
    const at = Math.round(this.timeMicros + this.latencyMicros * (0.5 + this.rng.exponential(0.5)));
    this.lastReceiveMicros = Math.max(this.lastReceiveMicros, at);
    return BigInt(this.lastReceiveMicros);
  }

  private tradeOf(m: SimMarket, price: number, lots: number, aggressor: AggressorSide): RawTrade {
    return {
      type: 'trade',
      venue: this.venue,
      symbol: m.symbol,
      exchangeTimeMicros: this.exchangeTime(),
      receiveTimeMicros: this.receiveTime(),
      tradeId: `${m.symbol}-${++m.tradeCount}`,
      price: m.price(price),
      size: m.size(lots),
      aggressor,
    };
  }

  private diffOf(m: SimMarket): RawDepth {
    return {
      type: 'depth',
      kind: 'diff',
      venue: this.venue,
      symbol: m.symbol,
      exchangeTimeMicros: this.exchangeTime(),
      receiveTimeMicros: this.receiveTime(),
      sequence: BigInt(m.sequence),
      previousSequence: BigInt(m.sequence - 1),
      bids: levelsAt(m, m.book.bids, sortedBest(m.changedBids, -1)),
      asks: levelsAt(m, m.book.asks, sortedBest(m.changedAsks, 1)),
    };
  }

  private snapshotOf(m: SimMarket): RawDepth {
    const all = (side: BookSide): RawLevel[] => {
      const out: RawLevel[] = [];
      for (let i = 0; i < side.depth; i++) out.push([m.price(side.price(i)), m.size(side.size(i))]);
      return out;
    };
    return {
      type: 'depth',
      kind: 'snapshot',
      venue: this.venue,
      symbol: m.symbol,
      exchangeTimeMicros: this.exchangeTime(),
      receiveTimeMicros: this.receiveTime(),
      sequence: BigInt(m.sequence),
      bids: all(m.book.bids),
      asks: all(m.book.asks),
    };
  }
}

function sortedBest(prices: number[], direction: 1 | -1): number[] {
  if (prices.length > 1) prices.sort((a, b) => (a - b) * direction);
  return prices;
}

function levelsAt(m: SimMarket, side: BookSide, prices: readonly number[]): RawLevel[] {
  const out: RawLevel[] = new Array(prices.length);
  for (let i = 0; i < prices.length; i++) out[i] = [m.price(prices[i]!), m.size(side.sizeAt(prices[i]!))];
  return out;
}
