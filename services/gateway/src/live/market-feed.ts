import os from 'node:os';
import type { Bus, ConsumedEvent, EventConsumer } from '@tapeline/bus';
import type { Logger } from '@tapeline/telemetry';
import { toAlert } from '../alerts/alert.model';
import type { RecentAlerts } from '../alerts/recent-alerts';
import { toBar } from '../analytics/analytics.model';
import { toDepthUpdate, toQuote, toTrade } from '../market/market.model';
import type { LatestQuotes } from './latest-quotes';
import type { MarketHub } from './market-hub';

const TOPICS = ['quotes', 'trades', 'depth', 'bars', 'alerts'] as const;
type FeedTopic = (typeof TOPICS)[number];

/**
 * Every replica must see every event for its own subscribers, so each one is its own consumer group.
 * The pid keeps two gateways on one host apart; a restarted gateway is a new group that starts
 * from the newest message (its subscribers resubscribe; nothing is replayed to them).
 */
export function feedGroupId(hostname = os.hostname(), pid = process.pid): string {
  return `gateway-${hostname.replace(/[^A-Za-z0-9._-]/g, '-')}-${pid}`;
}

/**
 * Consumes the market topics and publishes each event once to the hub, converted to its API shape
 * only when someone listens; alerts also go to the recent-alerts ring. Starts in the background and
 * retries while the broker is away, so the gateway's queries never wait on Kafka.
 */
export class MarketFeed {
  private consumer: EventConsumer | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private dropped = 0;

  constructor(
    private readonly bus: Bus,
    private readonly hub: MarketHub,
    private readonly alerts: RecentAlerts,
    private readonly quotes: LatestQuotes,
    private readonly logger: Logger,
    readonly groupId = feedGroupId(),
  ) {}

  start(attempt = 1): void {
    if (this.stopped) return;
    this.bus
      .consume<FeedTopic>({
        groupId: this.groupId,
        topics: TOPICS,
        fromBeginning: false,
        handler: (event) => this.handle(event),
        // A fan-out of live data: a message that cannot be shown is logged and skipped, never retried.
        handlerAttempts: 1,
      })
      .then(
        (consumer) => {
          if (this.stopped) return void consumer.close();
          this.consumer = consumer;
          this.logger.info({ groupId: this.groupId, topics: TOPICS }, 'market feed consuming');
        },
        (err: unknown) => {
          const retryMs = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
          this.logger.warn({ err, groupId: this.groupId, retryMs }, 'market feed could not start; retrying');
          this.retry = setTimeout(() => this.start(attempt + 1), retryMs);
          this.retry.unref();
        },
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.consumer?.close();
  }

  get running(): boolean {
    return this.consumer?.state() === 'running';
  }

  handle(event: ConsumedEvent<FeedTopic>): void {
    try {
      switch (event.topic) {
        case 'quotes':
          this.quotes.set(event.value);
          if (this.hub.wants('quotes', event.value.instrumentId))
            this.hub.publish('quotes', event.value.instrumentId, toQuote(event.value));
          break;
        case 'trades':
          if (this.hub.wants('trades', event.value.instrumentId))
            this.hub.publish('trades', event.value.instrumentId, toTrade(event.value));
          break;
        case 'depth':
          if (this.hub.wants('depth', event.value.instrumentId))
            this.hub.publish('depth', event.value.instrumentId, toDepthUpdate(event.value));
          break;
        case 'bars':
          if (this.hub.wants('bars', event.value.instrumentId))
            this.hub.publish('bars', event.value.instrumentId, toBar(event.value));
          break;
        case 'alerts': {
          const alert = toAlert(event.value);
          this.alerts.add(alert);
          this.hub.publish('alerts', event.value.instrumentId, alert);
          break;
        }
      }
    } catch (err) {
      // Logged once per hundred so that a producer bug cannot flood the log.
      if (this.dropped++ % 100 === 0) {
        this.logger.error(
          {
            err,
            topic: event.topic,
            partition: event.partition,
            offset: event.offset,
            dropped: this.dropped,
          },
          'market event could not be converted; skipped',
        );
      }
    }
  }
}
