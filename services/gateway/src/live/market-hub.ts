/**
 * The gateway's live market: every event the gateway consumes is published here once, and the hub
 * hands it to the subscriptions that asked for its instrument. It holds no queue of its own; each
 * subscription buffers in its own conflating mailbox, so a slow subscriber never delays the others.
 */
export type Channel =
  | 'quotes'
  | 'trades'
  | 'depth'
  | 'bars'
  | 'alerts'
  // Keyed by account id instead of instrument id (order-update-feed.ts).
  | 'orderUpdates'
  | 'executions'
  | 'positions';

/** Routes registered under this key receive every instrument's events of the channel. */
export const ANY_INSTRUMENT = '*';

/** What a subscription registers: called synchronously for each event of its instruments. */
export type LiveSink = (instrumentId: string, value: unknown) => void;

export class MarketHub {
  private readonly routes = new Map<Channel, Map<string, Set<LiveSink>>>();
  private subscriptionCount = 0;

  /** Registers a sink for instruments of a channel; returns the function that removes it. */
  subscribe(channel: Channel, instrumentIds: readonly string[], sink: LiveSink): () => void {
    let byInstrument = this.routes.get(channel);
    if (!byInstrument) this.routes.set(channel, (byInstrument = new Map()));
    const keys = [...new Set(instrumentIds)];
    for (const id of keys) {
      let sinks = byInstrument.get(id);
      if (!sinks) byInstrument.set(id, (sinks = new Set()));
      sinks.add(sink);
    }
    this.subscriptionCount++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.subscriptionCount--;
      for (const id of keys) {
        const sinks = byInstrument.get(id);
        sinks?.delete(sink);
        if (sinks?.size === 0) byInstrument.delete(id);
      }
    };
  }

  /** Whether anyone listens: lets the feed skip converting events nobody asked for. */
  wants(channel: Channel, instrumentId: string): boolean {
    const byInstrument = this.routes.get(channel);
    return byInstrument !== undefined && (byInstrument.has(instrumentId) || byInstrument.has(ANY_INSTRUMENT));
  }

  publish(channel: Channel, instrumentId: string, value: unknown): void {
    const byInstrument = this.routes.get(channel);
    if (!byInstrument) return;
    const exact = byInstrument.get(instrumentId);
    if (exact) for (const sink of exact) sink(instrumentId, value);
    const any = byInstrument.get(ANY_INSTRUMENT);
    if (any) for (const sink of any) sink(instrumentId, value);
  }

  get subscriptions(): number {
    return this.subscriptionCount;
  }
}
