import {
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import fastifyWebsocket from '@fastify/websocket';
import type { Registry } from 'prom-client';
import type { Bus } from '@tapeline/bus';
import type { Logger } from '@tapeline/telemetry';
import { SubscriptionStatsController } from '../admin/subscription-stats.controller';
import { AlertsResolver } from '../alerts/alerts.resolver';
import { RecentAlerts } from '../alerts/recent-alerts';
import { AggregationClient } from '../analytics/aggregation-client';
import { AnalyticsResolver } from '../analytics/analytics.resolver';
import type { AuthRuntime } from '../auth/auth-runtime';
import { graphqlAuthContext, subscriptionOnConnect } from '../auth/graphql-auth';
import type { GatewayConfig } from '../config';
import { InstrumentDirectory } from '../instruments/instrument-directory';
import { InstrumentsResolver } from '../instruments/instruments.resolver';
import { SymbolClient } from '../instruments/symbol-client';
import { ConnectionGate } from '../live/connection-gate';
import { registerLiveMetrics } from '../live/live-metrics';
import { LatestQuotes } from '../live/latest-quotes';
import { LiveSubscriptions } from '../live/live-subscriptions';
import { MarketFeed } from '../live/market-feed';
import { MarketHub } from '../live/market-hub';
import { MarketDataClient } from '../market/market-data-client';
import { MarketResolver } from '../market/market.resolver';
import { AccountDesks } from '../trading/account-desks';
import { JournalResolver } from '../trading/journal.resolver';
import { OrderUpdateFeed } from '../trading/order-update-feed';
import { OrdersResolver } from '../trading/orders.resolver';
import { RiskResolver } from '../trading/risk.resolver';
import { OmsClient, RiskClient } from '../trading/trading-clients';
import { apiHooks } from './api-hooks';
import { backendModule } from './backend-client';
import { ApiErrorFilter, formatGraphqlErrors } from './errors';
import { InProcessRateLimiter, RedisRateLimiter, type RateLimiter } from './rate-limit';
import { DecimalScalar, TimestampScalar } from './scalars';

/** Pending trades, closed bars or alerts per instrument a subscriber may fall behind by. */
const FACTS_PER_SUBSCRIPTION = 1024;

export interface ApiOptions {
  /** The bus the live feed consumes; without it the hub is fed by nothing (schema printing, tests). */
  bus?: Bus;
  /** Where the live layer's gauges go (/metrics). */
  metrics?: Registry;
}

/** Starts the live feed with the application and ends feed, subscriptions and limiter with it. */
class LiveLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly feed: MarketFeed | undefined,
    private readonly live: LiveSubscriptions,
    private readonly limiter: RateLimiter,
    private readonly orderUpdates: OrderUpdateFeed,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.feed) return;
    this.feed.start();
    // A live gateway streams order updates from the start, so the first subscriber misses nothing.
    this.orderUpdates.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.orderUpdates.stop();
    this.live.closeAll();
    await this.feed?.stop();
    await this.limiter.close();
  }
}

/** The GraphQL API: schema built code-first from the resolvers; the checked-in SDL is its mirror. */
@Module({})
export class ApiModule {
  static forRoot(
    config: GatewayConfig,
    logger: Logger,
    auth: AuthRuntime,
    options: ApiOptions = {},
  ): DynamicModule {
    const hub = new MarketHub();
    const recentAlerts = new RecentAlerts(config.alertsPerInstrument);
    const live = new LiveSubscriptions(
      hub,
      {
        wsSendBufferBytes: config.wsSendBufferBytes,
        depthDiffsPerSubscription: config.depthDiffsPerSubscription,
        factsPerSubscription: FACTS_PER_SUBSCRIPTION,
      },
      logger,
    );
    let adapterHost: HttpAdapterHost | undefined;
    const gate = new ConnectionGate(config, () => adapterHost?.httpAdapter?.getInstance()?.websocketServer);
    const rate = { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst };
    const limiter: RateLimiter = config.redisUrl
      ? RedisRateLimiter.connect(config.redisUrl, rate, config.rateLimitRedisPrefix, logger)
      : new InProcessRateLimiter(rate);
    let feed: MarketFeed | undefined;
    const latestQuotes = new LatestQuotes(() => config.quotesFromFeed && feed?.running === true);
    if (options.bus) feed = new MarketFeed(options.bus, hub, recentAlerts, latestQuotes, logger);
    if (options.metrics) registerLiveMetrics(options.metrics, gate, live);

    return {
      module: ApiModule,
      imports: [
        GraphQLModule.forRootAsync<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          inject: [HttpAdapterHost],
          useFactory: async (host: HttpAdapterHost) => {
            adapterHost = host;
            // The WebSocket server on the root instance, before mercurius (which then reuses it): so
            // that the gate can see its sockets, and a WebSocket message has the HTTP body limit.
            await host.httpAdapter.getInstance().register(fastifyWebsocket, {
              options: { maxPayload: config.bodyLimitBytes, verifyClient: gate.verifyClient },
            });
            return {
              path: '/graphql',
              autoSchemaFile: true,
              sortSchema: true,
              graphiql: false,
              errorFormatter: (execution) => formatGraphqlErrors(execution, logger),
              // Every request is authenticated from its bearer token; the permission guard checks
              // each field, including field resolvers and subscriptions.
              context: graphqlAuthContext(auth.authenticator),
              fieldResolverEnhancers: ['guards'],
              hooks: apiHooks({
                limiter,
                rate,
                limits: { maxDepth: config.maxQueryDepth, maxComplexity: config.maxQueryComplexity },
              }),
              subscription: {
                // graphql-transport-ws at /graphql: the token comes in connection_init; queries may
                // use the socket too.
                fullWsTransport: true,
                onConnect: subscriptionOnConnect(auth.authenticator),
                context: gate.context,
                keepAlive: 30_000,
              },
            };
          },
        }),
        backendModule(SymbolClient, 'symbol', config.symbolAddr, config.grpcDeadlineMs),
        backendModule(MarketDataClient, 'market-data', config.marketDataAddr, config.grpcDeadlineMs),
        backendModule(AggregationClient, 'aggregation', config.aggregationAddr, config.grpcDeadlineMs),
        backendModule(OmsClient, 'oms', config.omsAddr, config.grpcDeadlineMs),
        backendModule(RiskClient, 'risk', config.riskAddr, config.grpcDeadlineMs),
      ],
      controllers: [SubscriptionStatsController],
      providers: [
        DecimalScalar,
        TimestampScalar,
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        InstrumentsResolver,
        MarketResolver,
        AnalyticsResolver,
        AlertsResolver,
        OrdersResolver,
        RiskResolver,
        JournalResolver,
        AccountDesks,
        InstrumentDirectory,
        { provide: MarketHub, useValue: hub },
        { provide: RecentAlerts, useValue: recentAlerts },
        { provide: LatestQuotes, useValue: latestQuotes },
        { provide: LiveSubscriptions, useValue: live },
        { provide: ConnectionGate, useValue: gate },
        {
          provide: OrderUpdateFeed,
          inject: [OmsClient],
          useFactory: (oms: OmsClient) => new OrderUpdateFeed(oms, hub, logger),
        },
        {
          provide: LiveLifecycle,
          inject: [OrderUpdateFeed],
          useFactory: (orderUpdates: OrderUpdateFeed) => new LiveLifecycle(feed, live, limiter, orderUpdates),
        },
      ],
    };
  }
}
