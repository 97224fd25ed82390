import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DroppedRowsCounter } from '@tapeline/history';

/** Feed latencies run from tens of microseconds (in-process) to seconds (a lagging venue). */
export const LATENCY_BUCKETS_SECONDS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5, 5,
];

type Labels = Record<string, string>;

/**
 * A counter that mirrors a running total kept elsewhere (the normaliser's rejection counts, the
 * book builder's gaps, the inserter's rows): at each scrape it adds what the total grew by, so the
 * hot path keeps its plain integer counts and Prometheus still sees a counter.
 */
function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  totals: () => Iterable<readonly [Labels, number]>,
): Counter {
  const seen = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of totals()) {
        const key = labelNames.map((l) => labels[l] ?? '').join('\u0000');
        const grew = total - (seen.get(key) ?? 0);
        if (grew > 0) this.inc(labels, grew);
        seen.set(key, total);
      }
    },
  });
}

/** What the metrics read from the pipeline at scrape time. */
export interface FeedTotals {
  rejections(): Iterable<readonly [{ venue: string; reason: string }, number]>;
  gaps(): Iterable<readonly [{ venue: string }, number]>;
  history(): { written: number; retries: number; buffered: number };
  streams(): number;
  received(): Iterable<readonly [{ venue: string }, number]>;
}

/** market-data's Prometheus metrics, on the service's registry. */
export class FeedMetrics {
  readonly receiveLatency: Histogram<'venue'>;
  readonly publishLatency: Histogram<'venue'>;
  readonly eventsPublished: Counter<'topic'>;
  readonly publishFailures: Counter<'topic'>;
  readonly historyRowsDropped: DroppedRowsCounter & Counter<'table' | 'reason'>;

  constructor(registry: Registry, totals: FeedTotals) {
    this.receiveLatency = new Histogram({
      name: 'market_data_feed_receive_latency_seconds',
      help: 'Receive time minus exchange time of venue events, per venue (live feeds)',
      labelNames: ['venue'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.publishLatency = new Histogram({
      name: 'market_data_feed_publish_latency_seconds',
      help: 'Publish time minus receive time of published trades, quotes and depth, per venue (live feeds)',
      labelNames: ['venue'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.eventsPublished = new Counter({
      name: 'market_data_events_published_total',
      help: 'Events handed to the bus, per topic',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.publishFailures = new Counter({
      name: 'market_data_publish_failures_total',
      help: 'Events the bus could not deliver after its retries, per topic',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.historyRowsDropped = new Counter({
      name: 'market_data_history_rows_dropped_total',
      help: 'History rows that never reached ClickHouse, per table and reason',
      labelNames: ['table', 'reason'],
      registers: [registry],
    });
    mirroredCounter(
      registry,
      'market_data_events_received_total',
      'Venue events delivered by the feed adapters, per venue',
      ['venue'],
      totals.received,
    );
    mirroredCounter(
      registry,
      'market_data_rejections_total',
      'Venue events refused by the normaliser, per venue and reason',
      ['venue', 'reason'],
      totals.rejections,
    );
    mirroredCounter(
      registry,
      'market_data_sequence_gaps_total',
      'Depth sequence gaps detected (each triggers a resync), per venue',
      ['venue'],
      totals.gaps,
    );
    mirroredCounter(registry, 'market_data_history_rows_written_total', 'History rows inserted', [], () => [
      [{}, totals.history().written],
    ]);
    mirroredCounter(
      registry,
      'market_data_history_insert_retries_total',
      'Failed history inserts that were retried',
      [],
      () => [[{}, totals.history().retries]],
    );
    new Gauge({
      name: 'market_data_history_rows_buffered',
      help: 'History rows waiting to be inserted',
      registers: [registry],
      collect() {
        this.set(totals.history().buffered);
      },
    });
    new Gauge({
      name: 'market_data_streams_open',
      help: 'Open StreamMarketData calls',
      registers: [registry],
      collect() {
        this.set(totals.streams());
      },
    });
  }
}
