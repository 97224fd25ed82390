import type { Alert } from './alert.model';

/**
 * The latest alerts of the `alerts` topic seen by this gateway replica, a bounded ring per
 * instrument (alerts tied to none under ''), for the `alerts` query. It starts empty at boot: the
 * gateway's consumer starts from the newest message. Memory is bounded by perInstrument x
 * maxInstruments; the instrument written to least recently is forgotten first.
 */
export class RecentAlerts {
  private readonly rings = new Map<string, Alert[]>();

  constructor(
    private readonly perInstrument: number,
    private readonly maxInstruments = 10_000,
  ) {}

  add(alert: Alert): void {
    const key = alert.instrumentId ?? '';
    let ring = this.rings.get(key);
    if (ring)
      this.rings.delete(key); // re-inserted below: Map order is recency
    else ring = [];
    ring.push(alert);
    if (ring.length > this.perInstrument) ring.shift();
    this.rings.set(key, ring);
    if (this.rings.size > this.maxInstruments) this.rings.delete(this.rings.keys().next().value!);
  }

  /** Newest first: of one instrument, or of every instrument when instrumentId is null. */
  latest(instrumentId: string | null, limit: number): Alert[] {
    const source =
      instrumentId === null ? [...this.rings.values()].flat() : (this.rings.get(instrumentId) ?? []);
    return [...source].sort((a, b) => b.raisedAt - a.raisedAt).slice(0, limit);
  }
}
