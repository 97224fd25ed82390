import { Gauge, type Registry } from 'prom-client';
import type { ConnectionGate } from './connection-gate';
import type { LiveSubscriptions } from './live-subscriptions';

/**
 * The live layer on /metrics, read at scrape time: connections and subscriptions, what the
 * mailboxes hold (total and the fullest one: the bound a slow client reaches), and how much was
 * conflated or dropped for slow clients.
 */
export function registerLiveMetrics(registry: Registry, gate: ConnectionGate, live: LiveSubscriptions): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('gateway_ws_connections', 'Open WebSocket connections', () => gate.open);
  gauge('gateway_live_subscriptions', 'Live GraphQL subscriptions', () => live.stats().subscriptions);
  gauge(
    'gateway_live_pending',
    'Deliveries waiting in all subscription mailboxes',
    () => live.stats().pending,
  );
  gauge(
    'gateway_live_pending_max',
    'Deliveries waiting in the fullest subscription mailbox',
    () => live.stats().maxPending,
  );
  gauge('gateway_live_delivered_total', 'Updates delivered to subscribers', () => live.stats().delivered);
  gauge(
    'gateway_live_conflated_total',
    'Latest-wins updates replaced before delivery (slow clients)',
    () => live.stats().conflated,
  );
  gauge(
    'gateway_live_diffs_dropped_total',
    'Depth diffs dropped for a snapshot resync',
    () => live.stats().diffsDropped,
  );
  gauge('gateway_live_resyncs_total', 'Resyncs after a subscriber overflowed', () => live.stats().resyncs);
  gauge(
    'gateway_live_facts_dropped_total',
    'Trades and alerts dropped for slow subscribers (each named in a gap delivered after)',
    () => live.stats().factsDropped,
  );
  gauge(
    'gateway_live_gaps_total',
    'Gaps opened in trades and alerts for slow subscribers',
    () => live.stats().gaps,
  );
}
