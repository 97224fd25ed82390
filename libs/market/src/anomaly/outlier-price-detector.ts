import { eventsV1 } from '@tapeline/contracts';
import { alertCandidate, type AlertCandidate } from '../alerts';
import { formatScaled } from '../decimal-scaler';
import { MarketError } from '../errors';
import type { ResolvedInstrument } from '../instrument-resolver';

export interface OutlierOptions {
  /** Prices in the rolling reference window. */
  readonly window?: number;
  /** No verdict before this many prices are in the window. */
  readonly minSamples?: number;
  /** Outlier beyond this many standard deviations from the window mean (Infinity disables). */
  readonly stdDevs?: number;
  /** Outlier beyond this fraction of the mean (0.05 = 5%; Infinity disables). */
  readonly bandRatio?: number;
  /** After this many outliers in a row the market has moved: the reference restarts from there. */
  readonly acceptAfter?: number;
  /** Names the stream in alerts ("trade", "quote"). */
  readonly source?: string;
}

class Reference {
  readonly ring: Float64Array;
  head = 0;
  count = 0;
  /** Sums of (price - shift): with integer mantissas near the shift they stay exact in a double. */
  shift = 0;
  sum = 0;
  sumSq = 0;
  consecutive = 0;

  constructor(window: number) {
    this.ring = new Float64Array(window);
  }

  push(price: number): void {
    if (this.count === 0) this.shift = price;
    const x = price - this.shift;
    if (this.count === this.ring.length) {
      const old = this.ring[this.head]!;
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.count++;
    }
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.ring.length;
    this.sum += x;
    this.sumSq += x * x;
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
    this.sum = 0;
    this.sumSq = 0;
    this.consecutive = 0;
  }
}

/**
 * Outlier price: a trade or quote price too far from a rolling reference (the mean of the last
 * `window` accepted prices), measured in standard deviations (at least one tick, so a flat window
 * does not make every move infinite) or as a % band. Outliers are kept out of the reference so a
 * bad print does not drag it; a sustained move is accepted after `acceptAfter` in a row.
 * Statistics are doubles: they estimate, they never become a price.
 */
export class OutlierPriceDetector {
  private readonly refs = new Map<string, Map<string, Reference>>();
  private readonly window: number;
  private readonly minSamples: number;
  private readonly stdDevs: number;
  private readonly bandRatio: number;
  private readonly acceptAfter: number;
  private readonly source: string;

  constructor(options: OutlierOptions = {}) {
    this.window = options.window ?? 200;
    this.minSamples = options.minSamples ?? 30;
    this.stdDevs = options.stdDevs ?? 8;
    this.bandRatio = options.bandRatio ?? 0.05;
    this.acceptAfter = options.acceptAfter ?? 5;
    this.source = options.source ?? 'trade';
    if (!Number.isInteger(this.window) || this.window < 2) {
      throw new MarketError('INVALID_OPTION', `outlier window must be an integer >= 2, got ${this.window}`);
    }
    if (!(this.minSamples >= 2 && this.minSamples <= this.window)) {
      throw new MarketError(
        'INVALID_OPTION',
        `outlier minSamples must be in 2..window, got ${this.minSamples}`,
      );
    }
    if (!(this.stdDevs > 0) || !(this.bandRatio > 0) || !(this.acceptAfter >= 1)) {
      throw new MarketError('INVALID_OPTION', 'outlier stdDevs, bandRatio and acceptAfter must be positive');
    }
  }

  /** `price` is a mantissa at the instrument's price scale (a quote mid may end in .5). */
  observe(
    venue: string,
    instrument: ResolvedInstrument,
    price: number,
    timeMicros: bigint,
  ): AlertCandidate | undefined {
    const ref = this.reference(venue, instrument.instrumentId);
    if (ref.count >= this.minSamples) {
      const meanDev = ref.sum / ref.count;
      const mean = ref.shift + meanDev;
      const std = Math.sqrt(Math.max(0, ref.sumSq / ref.count - meanDev * meanDev));
      const deviation = Math.abs(price - mean);
      const sigmas = deviation / Math.max(std, instrument.tickMantissa);
      const ratio = mean === 0 ? Infinity : deviation / Math.abs(mean);
      if (sigmas > this.stdDevs || ratio > this.bandRatio) {
        const alert = this.alert(venue, instrument, price, mean, std, sigmas, ratio, timeMicros);
        if (++ref.consecutive >= this.acceptAfter) {
          ref.reset();
          ref.push(price);
        }
        return alert;
      }
    }
    ref.consecutive = 0;
    ref.push(price);
    return undefined;
  }

  forget(venue: string, instrumentId: string): void {
    this.refs.get(venue)?.delete(instrumentId);
  }

  private alert(
    venue: string,
    instrument: ResolvedInstrument,
    price: number,
    mean: number,
    std: number,
    sigmas: number,
    ratio: number,
    timeMicros: bigint,
  ): AlertCandidate {
    const scale = instrument.priceScale;
    const shown = (v: number) =>
      Number.isInteger(v) ? formatScaled(v, scale) : (v / 10 ** scale).toFixed(scale + 2);
    return alertCandidate(
      eventsV1.AlertKind.ALERT_KIND_OUTLIER_PRICE,
      eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
      instrument.instrumentId,
      venue,
      `${venue} ${instrument.instrumentId}: ${this.source} price ${shown(price)} is ${sigmas.toFixed(1)} std devs ` +
        `(${(ratio * 100).toFixed(2)}%) from the reference ${shown(mean)}`,
      {
        source: this.source,
        price: shown(price),
        reference: shown(mean),
        std_dev: shown(std),
        deviation_std_devs: sigmas.toFixed(2),
        deviation_ratio: ratio.toFixed(6),
        threshold_std_devs: String(this.stdDevs),
        threshold_ratio: String(this.bandRatio),
      },
      timeMicros,
    );
  }

  private reference(venue: string, instrumentId: string): Reference {
    let byInstrument = this.refs.get(venue);
    if (!byInstrument) this.refs.set(venue, (byInstrument = new Map()));
    let ref = byInstrument.get(instrumentId);
    if (!ref) byInstrument.set(instrumentId, (ref = new Reference(this.window)));
    return ref;
  }
}
