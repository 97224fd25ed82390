import { commonV1, eventsV1 } from '@tapeline/contracts';
import { alertCandidate, type AlertCandidate } from './alerts';
import { systemClock, type MicrosClock } from './clock';
import { DecimalScaler, formatScaled } from './decimal-scaler';
import type { AggressorSide, MalformedFrame, RawDepth, RawLevel, RawQuote, RawTrade } from './feed';
import type { InstrumentResolver, ResolvedInstrument } from './instrument-resolver';

/** Why a raw event was refused; counted per venue and raised as an alert candidate. */
export type RejectReason =
  'unknown_symbol' | 'off_tick_price' | 'off_lot_size' | 'malformed_number' | 'malformed_message';

export interface RejectionCount {
  readonly venue: string;
  readonly reason: RejectReason;
  readonly count: number;
}

/** Levels of one depth update as mantissas at the instrument's scales, in the venue's order. */
export interface DepthLevels {
  readonly kind: 'snapshot' | 'diff';
  /** Safe integers (checked at the boundary). For a snapshot previousSequence is 0. */
  readonly sequence: number;
  readonly previousSequence: number;
  readonly bidCount: number;
  readonly askCount: number;
  readonly bidPrices: Float64Array;
  readonly bidSizes: Float64Array;
  readonly askPrices: Float64Array;
  readonly askSizes: Float64Array;
  readonly exchangeTimeMicros: bigint;
  readonly receiveTimeMicros: bigint;
}

/**
 * A depth update ready for the BookBuilder. The normaliser returns the same object each call (no
 * per-update allocation): it is valid until the next `depth()` call; copy what you keep.
 */
export interface NormalisedDepth extends DepthLevels {
  readonly venue: string;
  /** The venue's symbol, to ask the adapter for a snapshot. */
  readonly symbol: string;
  readonly instrument: ResolvedInstrument;
}

class DepthScratch implements NormalisedDepth {
  venue = '';
  symbol = '';
  instrument!: ResolvedInstrument;
  kind: 'snapshot' | 'diff' = 'diff';
  sequence = 0;
  previousSequence = 0;
  bidCount = 0;
  askCount = 0;
  bidPrices = new Float64Array(64);
  bidSizes = new Float64Array(64);
  askPrices = new Float64Array(64);
  askSizes = new Float64Array(64);
  exchangeTimeMicros = 0n;
  receiveTimeMicros = 0n;

  reserve(bids: number, asks: number): void {
    if (bids > this.bidPrices.length) {
      this.bidPrices = new Float64Array(bids * 2);
      this.bidSizes = new Float64Array(bids * 2);
    }
    if (asks > this.askPrices.length) {
      this.askPrices = new Float64Array(asks * 2);
      this.askSizes = new Float64Array(asks * 2);
    }
  }
}

export interface NormaliserOptions {
  /** Stamps publish_time_micros; defaults to the system clock. */
  readonly clock?: MicrosClock;
  /** Receives one candidate per rejected event. */
  readonly onAlert?: (candidate: AlertCandidate) => void;
}

interface StreamSequences {
  trade: number;
  quote: number;
}

const MAX_SEQUENCE = BigInt(Number.MAX_SAFE_INTEGER);
const AGGRESSOR: Record<AggressorSide, commonV1.Side> = {
  buy: commonV1.Side.SIDE_BUY,
  sell: commonV1.Side.SIDE_SELL,
  unknown: commonV1.Side.SIDE_UNSPECIFIED,
};
const REASON_KIND: Record<RejectReason, eventsV1.AlertKind> = {
  unknown_symbol: eventsV1.AlertKind.ALERT_KIND_UNKNOWN_SYMBOL,
  off_tick_price: eventsV1.AlertKind.ALERT_KIND_OFF_TICK_PRICE,
  // The contract has no lot-specific kind; attributes.reason says off_lot_size.
  off_lot_size: eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE,
  malformed_number: eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE,
  malformed_message: eventsV1.AlertKind.ALERT_KIND_MALFORMED_MESSAGE,
};

interface RawSource {
  readonly venue: string;
  readonly symbol: string;
  readonly receiveTimeMicros: bigint;
}

/**
 * Turns raw venue events into bus payloads: resolves the venue symbol, converts decimal strings to
 * the instrument's fixed-point scales, checks tick and lot, and stamps the three times. Anything it
 * cannot convert exactly is rejected whole (never published in part), counted and alerted.
 */
export class Normaliser {
  private readonly scaler = new DecimalScaler();
  private readonly clock: MicrosClock;
  private readonly onAlert: (candidate: AlertCandidate) => void;
  private readonly counts = new Map<string, Map<RejectReason, number>>();
  private readonly sequences = new Map<string, Map<string, StreamSequences>>();
  private readonly scratch = new DepthScratch();
  /** Events turned into payloads (not rejected). */
  accepted = 0;
  /** Instrument of the last event resolved: lets a synchronous caller reuse it without a lookup. */
  lastInstrument: ResolvedInstrument | undefined;

  constructor(
    private readonly resolver: InstrumentResolver,
    options: NormaliserOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.onAlert = options.onAlert ?? (() => undefined);
  }

  trade(raw: RawTrade): eventsV1.TradeEvent | undefined {
    const instrument = this.resolve(raw);
    if (!instrument) return undefined;
    const price = this.price(raw, instrument, 'price', raw.price);
    if (price !== price) return undefined; // NaN: rejected and reported
    const size = this.size(raw, instrument, 'size', raw.size);
    if (size !== size) return undefined;
    if (size <= 0) return this.malformed(raw, instrument, `trade size ${raw.size} is not positive`);
    this.accepted++;
    return {
      instrumentId: instrument.instrumentId,
      venue: raw.venue,
      sequence: String(++this.streams(raw.venue, instrument.instrumentId).trade),
      tradeId: raw.tradeId,
      priceScale: instrument.priceScale,
      sizeScale: instrument.sizeScale,
      price: String(price),
      size: String(size),
      aggressorSide: AGGRESSOR[raw.aggressor] ?? commonV1.Side.SIDE_UNSPECIFIED,
      exchangeTimeMicros: raw.exchangeTimeMicros.toString(),
      receiveTimeMicros: raw.receiveTimeMicros.toString(),
      publishTimeMicros: this.clock().toString(),
    };
  }

  /** A venue's own top-of-book message (a BBO channel); books built from depth make their own. */
  quote(raw: RawQuote): eventsV1.QuoteEvent | undefined {
    const instrument = this.resolve(raw);
    if (!instrument) return undefined;
    const bidPrice = this.price(raw, instrument, 'bidPrice', raw.bidPrice);
    if (bidPrice !== bidPrice) return undefined;
    const bidSize = this.size(raw, instrument, 'bidSize', raw.bidSize);
    if (bidSize !== bidSize) return undefined;
    const askPrice = this.price(raw, instrument, 'askPrice', raw.askPrice);
    if (askPrice !== askPrice) return undefined;
    const askSize = this.size(raw, instrument, 'askSize', raw.askSize);
    if (askSize !== askSize) return undefined;
    this.accepted++;
    return {
      instrumentId: instrument.instrumentId,
      venue: raw.venue,
      sequence: String(++this.streams(raw.venue, instrument.instrumentId).quote),
      priceScale: instrument.priceScale,
      sizeScale: instrument.sizeScale,
      bidPrice: String(bidPrice),
      bidSize: String(bidSize),
      askPrice: String(askPrice),
      askSize: String(askSize),
      exchangeTimeMicros: raw.exchangeTimeMicros.toString(),
      receiveTimeMicros: raw.receiveTimeMicros.toString(),
      publishTimeMicros: this.clock().toString(),
    };
  }

  depth(raw: RawDepth): NormalisedDepth | undefined {
    const instrument = this.resolve(raw);
    if (!instrument) return undefined;
    const sequence = raw.sequence;
    const previous = raw.kind === 'snapshot' ? 0n : (raw.previousSequence ?? sequence - 1n);
    if (sequence < 0n || sequence > MAX_SEQUENCE) {
      return this.malformed(raw, instrument, `sequence ${sequence} is outside 0..2^53-1`);
    }
    if (raw.kind === 'diff' && (previous < 0n || previous >= sequence)) {
      return this.malformed(
        raw,
        instrument,
        `previous sequence ${previous} is not below sequence ${sequence}`,
      );
    }
    const out = this.scratch;
    out.reserve(raw.bids.length, raw.asks.length);
    if (!this.levels(raw, instrument, raw.bids, out.bidPrices, out.bidSizes, 'bids')) return undefined;
    if (!this.levels(raw, instrument, raw.asks, out.askPrices, out.askSizes, 'asks')) return undefined;
    out.venue = raw.venue;
    out.symbol = raw.symbol;
    out.instrument = instrument;
    out.kind = raw.kind;
    out.sequence = Number(sequence);
    out.previousSequence = Number(previous);
    out.bidCount = raw.bids.length;
    out.askCount = raw.asks.length;
    out.exchangeTimeMicros = raw.exchangeTimeMicros;
    out.receiveTimeMicros = raw.receiveTimeMicros;
    this.accepted++;
    return out;
  }

  /** A frame the adapter could not decode at all: counted and alerted like any other rejection. */
  malformedFrame(frame: MalformedFrame): void {
    const attributes: Record<string, string> = { frame: frame.frame, detail: frame.reason };
    if (frame.line !== undefined) attributes.line = String(frame.line);
    this.reject(
      'malformed_message',
      frame.venue,
      '',
      '',
      `${frame.venue}: ${frame.reason}`,
      frame.receiveTimeMicros,
      attributes,
    );
  }

  rejectionCount(venue: string, reason: RejectReason): number {
    return this.counts.get(venue)?.get(reason) ?? 0;
  }

  rejectionCounts(): RejectionCount[] {
    const out: RejectionCount[] = [];
    for (const [venue, byReason] of this.counts) {
      for (const [reason, count] of byReason) out.push({ venue, reason, count });
    }
    return out;
  }

  private levels(
    raw: RawDepth,
    instrument: ResolvedInstrument,
    levels: readonly RawLevel[],
    prices: Float64Array,
    sizes: Float64Array,
    side: string,
  ): boolean {
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (!Array.isArray(level) || level.length !== 2) {
        this.malformed(raw, instrument, `${side}[${i}] is not a [price, size] pair`);
        return false;
      }
      const price = this.price(raw, instrument, `${side}[${i}].price`, level[0]);
      if (price !== price) return false;
      const size = this.size(raw, instrument, `${side}[${i}].size`, level[1]);
      if (size !== size) return false;
      prices[i] = price;
      sizes[i] = size;
    }
    return true;
  }

  private resolve(raw: RawSource): ResolvedInstrument | undefined {
    const instrument = this.resolver.resolve(raw.venue, raw.symbol);
    this.lastInstrument = instrument;
    if (!instrument) {
      this.reject(
        'unknown_symbol',
        raw.venue,
        raw.symbol,
        '',
        `${raw.venue} symbol "${raw.symbol}" is not in the instrument master`,
        raw.receiveTimeMicros,
        {},
      );
    }
    return instrument;
  }

  /** Price mantissa at the price scale, or NaN after rejecting the event. */
  private price(raw: RawSource, instrument: ResolvedInstrument, field: string, text: string): number {
    const value = this.scaler.parse(typeof text === 'string' ? text : '', instrument.priceScale);
    if (value === value && value % instrument.tickMantissa === 0) return value;
    const tick = formatScaled(instrument.tickMantissa, instrument.priceScale);
    if (value === value || this.scaler.error === 'excess_precision') {
      this.reject(
        'off_tick_price',
        raw.venue,
        raw.symbol,
        instrument.instrumentId,
        `${raw.venue} ${raw.symbol}: ${field} ${text} is not on the tick ${tick} (price scale ${instrument.priceScale})`,
        raw.receiveTimeMicros,
        { field, value: text, tick_size: tick, price_scale: String(instrument.priceScale) },
      );
    } else {
      this.badNumber(raw, instrument, field, text, instrument.priceScale);
    }
    return NaN;
  }

  /** Size mantissa at the size scale (>= 0, whole lots), or NaN after rejecting the event. */
  private size(raw: RawSource, instrument: ResolvedInstrument, field: string, text: string): number {
    const value = this.scaler.parse(typeof text === 'string' ? text : '', instrument.sizeScale);
    if (value >= 0 && value % instrument.lotMantissa === 0) return value;
    const lot = formatScaled(instrument.lotMantissa, instrument.sizeScale);
    if (value < 0 || (value !== value && this.scaler.error !== 'excess_precision')) {
      this.badNumber(raw, instrument, field, text, instrument.sizeScale);
    } else {
      this.reject(
        'off_lot_size',
        raw.venue,
        raw.symbol,
        instrument.instrumentId,
        `${raw.venue} ${raw.symbol}: ${field} ${text} is not a whole number of lots of ${lot} (size scale ${instrument.sizeScale})`,
        raw.receiveTimeMicros,
        { field, value: text, lot_size: lot, size_scale: String(instrument.sizeScale) },
      );
    }
    return NaN;
  }

  private badNumber(
    raw: RawSource,
    instrument: ResolvedInstrument,
    field: string,
    text: unknown,
    scale: number,
  ): void {
    const shown = typeof text === 'string' ? text : String(text);
    const why =
      this.scaler.error === 'out_of_range'
        ? `does not fit a 53-bit mantissa at scale ${scale}`
        : 'is not a non-negative decimal number';
    this.reject(
      'malformed_number',
      raw.venue,
      raw.symbol,
      instrument.instrumentId,
      `${raw.venue} ${raw.symbol}: ${field} "${shown}" ${why}`,
      raw.receiveTimeMicros,
      { field, value: shown, detail: this.scaler.error === 'out_of_range' ? 'out_of_range' : 'malformed' },
    );
  }

  private malformed(raw: RawSource, instrument: ResolvedInstrument, detail: string): undefined {
    this.reject(
      'malformed_message',
      raw.venue,
      raw.symbol,
      instrument.instrumentId,
      `${raw.venue} ${raw.symbol}: ${detail}`,
      raw.receiveTimeMicros,
      { detail },
    );
    return undefined;
  }

  private reject(
    reason: RejectReason,
    venue: string,
    venueSymbol: string,
    instrumentId: string,
    message: string,
    receiveTimeMicros: bigint,
    attributes: Record<string, string>,
  ): void {
    let byReason = this.counts.get(venue);
    if (!byReason) this.counts.set(venue, (byReason = new Map()));
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    this.onAlert(
      alertCandidate(
        REASON_KIND[reason],
        eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
        instrumentId,
        venue,
        message,
        {
          reason,
          venue_symbol: venueSymbol,
          receive_time_micros: receiveTimeMicros.toString(),
          ...attributes,
        },
        this.clock(),
      ),
    );
  }

  private streams(venue: string, instrumentId: string): StreamSequences {
    let byVenue = this.sequences.get(venue);
    if (!byVenue) this.sequences.set(venue, (byVenue = new Map()));
    let s = byVenue.get(instrumentId);
    if (!s) byVenue.set(instrumentId, (s = { trade: 0, quote: 0 }));
    return s;
  }
}
