import { eventsV1 } from '@tapeline/contracts';
import { alertCandidate, type AlertCandidate } from '../alerts';
import { MarketError } from '../errors';

export interface StaleFeedOptions {
  /** An instrument with no update for longer than this is stale. */
  readonly thresholdMicros: bigint;
}

interface LastSeen {
  at: bigint;
  alerted: boolean;
}

/**
 * Stale feed: no update for an instrument beyond a threshold. Updates are stamped with the
 * receive time (our clock, not the venue's), and `check(now)` is called by the service's timer,
 * so detection does not depend on events arriving. One alert per silent spell.
 */
export class StaleFeedDetector {
  private readonly seen = new Map<string, Map<string, LastSeen>>();
  private readonly threshold: bigint;

  constructor(options: StaleFeedOptions) {
    if (options.thresholdMicros <= 0n) {
      throw new MarketError(
        'INVALID_OPTION',
        `stale feed threshold must be positive, got ${options.thresholdMicros}`,
      );
    }
    this.threshold = options.thresholdMicros;
  }

  observe(venue: string, instrumentId: string, receiveTimeMicros: bigint): void {
    let byInstrument = this.seen.get(venue);
    if (!byInstrument) this.seen.set(venue, (byInstrument = new Map()));
    const last = byInstrument.get(instrumentId);
    if (!last) {
      byInstrument.set(instrumentId, { at: receiveTimeMicros, alerted: false });
    } else if (receiveTimeMicros >= last.at) {
      last.at = receiveTimeMicros;
      last.alerted = false;
    }
  }

  /** Stops watching an instrument (unsubscribed, halted, session closed). */
  forget(venue: string, instrumentId: string): void {
    this.seen.get(venue)?.delete(instrumentId);
  }

  check(nowMicros: bigint): AlertCandidate[] {
    const out: AlertCandidate[] = [];
    for (const [venue, byInstrument] of this.seen) {
      for (const [instrumentId, last] of byInstrument) {
        const silent = nowMicros - last.at;
        if (last.alerted || silent <= this.threshold) continue;
        last.alerted = true;
        out.push(
          alertCandidate(
            eventsV1.AlertKind.ALERT_KIND_STALE_FEED,
            eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
            instrumentId,
            venue,
            `${venue} ${instrumentId}: no update for ${seconds(silent)} s (threshold ${seconds(this.threshold)} s)`,
            {
              last_update_micros: last.at.toString(),
              silent_micros: silent.toString(),
              threshold_micros: this.threshold.toString(),
            },
            nowMicros,
          ),
        );
      }
    }
    return out;
  }
}

function seconds(micros: bigint): string {
  return (Number(micros) / 1e6).toFixed(3);
}
