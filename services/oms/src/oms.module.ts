import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { riskV1, symbolV1 } from '@tapeline/contracts';
import { grpcClientModule, type ClientGrpc } from '@tapeline/service-kit';
import { OmsController } from './grpc/oms.controller';
import { OrderQueries } from './grpc/order-queries';
import { OMS_USE_CASES, type OmsUseCases } from './grpc/use-case-registry';
import { InstrumentCatalog } from './instruments/instrument-catalog';
import { OrderExpiry } from './expiry/order-expiry';
import { JournalAudit } from './journal/journal-audit';
import { MarketSeeder } from './market/market-seeder';
import type { OmsCore } from './oms-core';
import { RiskGateway } from './risk/risk-gateway';
import { CancelOrder } from './use-cases/cancel-order';
import { ReleaseStops } from './use-cases/release-stops';
import { ReplaceOrder } from './use-cases/replace-order';
import { SetKillSwitch } from './use-cases/set-kill-switch';
import { SetRiskLimit } from './use-cases/set-risk-limit';
import { SubmitOrder } from './use-cases/submit-order';
import { KeyedSerializer, type TradingContext } from './use-cases/trading-context';

const RISK_CLIENT = Symbol('oms.risk-client');
const SYMBOL_CLIENT = Symbol('oms.symbol-client');
const OMS_CORE = Symbol('oms.core');

export function buildUseCases(core: OmsCore, risk: RiskGateway, instruments: InstrumentCatalog): OmsUseCases {
  const ctx: TradingContext = {
    state: core.state,
    recorder: core.recorder,
    writer: core.writer,
    risk,
    instruments,
    accounts: core.config.accounts,
    router: core.router,
    venues: core.venues,
    locks: new KeyedSerializer(),
    clock: core.clock,
  };
  const cancelOrder = new CancelOrder(ctx);
  return {
    submitOrder: new SubmitOrder(ctx),
    cancelOrder,
    replaceOrder: new ReplaceOrder(ctx),
    setKillSwitch: new SetKillSwitch(ctx, cancelOrder),
    setRiskLimit: new SetRiskLimit(ctx),
    orders: new OrderQueries(core.state, core.writer),
    journal: new JournalAudit(core.store, core.writer),
    updates: core.fanout,
  };
}

/**
 * Consumes `trades` (stops, marks) and risk's kill-switch trips (`alerts`) once the app is up,
 * seeds the simulated venues from the market (`depth`, `quotes`) and expires GTD and DAY orders;
 * stops the venues, the write-ahead log and the store at the end.
 */
class OmsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(OMS_CORE) private readonly core: OmsCore,
    @Inject(OMS_USE_CASES) private readonly useCases: OmsUseCases,
    @Inject(SYMBOL_CLIENT) private readonly symbol: ClientGrpc,
  ) {}

  private stopping = false;
  private seeder: MarketSeeder | undefined;
  private expiry: OrderExpiry | undefined;

  onApplicationBootstrap(): void {
    const stops = new ReleaseStops(this.core, this.core.logger);
    const { bus, config, logger, venues } = this.core;
    venues.journalCommandsWith(this.core.writer);
    this.expiry = new OrderExpiry(
      this.core,
      { checkMs: config.expiryCheckMs, sessionClose: config.sessionCloseUtc },
      logger,
    );
    this.expiry.start();
    if (config.seedIntervalMs > 0 && venues.simulated().size > 0) {
      const instruments = new InstrumentCatalog(
        this.symbol.getService<symbolV1.SymbolServiceClient>(symbolV1.SYMBOL_SERVICE_NAME),
      );
      const seeder = new MarketSeeder(
        venues,
        config.venues,
        instruments,
        { intervalMs: config.seedIntervalMs, levels: config.seedLevels, maxAgeMs: config.seedMaxAgeMs },
        logger,
      );
      this.seeder = seeder;
      this.keepTrying('depth', () =>
        bus.consume({
          groupId: 'oms-market-seed',
          topics: ['depth', 'quotes'],
          handler: (e) => seeder.onMarket(e),
        }),
      );
      seeder.start();
    }
    this.keepTrying('trades', () =>
      bus.consume({ groupId: 'oms-stops', topics: ['trades'], handler: (e) => stops.onTrade(e.value) }),
    );
    this.keepTrying('alerts', () =>
      bus.consume({
        groupId: 'oms-risk-alerts',
        topics: ['alerts'],
        fromBeginning: true,
        handler: (e) => this.useCases.setKillSwitch.onRiskAlert(e.value, this.core.logger),
      }),
    );
  }

  /** Until the broker answers, keep trying: orders do not wait for these consumers. */
  private keepTrying(what: string, start: () => Promise<unknown>, attempt = 1): void {
    if (this.stopping) return;
    this.core.bus
      .ensureTopics()
      .then(start)
      .catch((err: unknown) => {
        if (attempt === 1)
          this.core.logger.warn({ err, consumer: what }, 'consumer not started yet; retrying');
        setTimeout(() => this.keepTrying(what, start, attempt + 1), 2000).unref();
      });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.seeder?.stop();
    this.expiry?.stop();
    this.core.fanout.close();
    await this.core.venues.stop();
    // ClickHouse is brought up to date so the next start has no log tail to insert.
    await this.core.writer.stored().catch(() => undefined);
    await this.core.wal.close();
    await this.core.store.close();
  }
}

@Module({})
export class OmsModule {
  static forRoot(core: OmsCore): DynamicModule {
    return {
      module: OmsModule,
      imports: [
        grpcClientModule(RISK_CLIENT, 'risk', core.config.riskAddr),
        grpcClientModule(SYMBOL_CLIENT, 'symbol', core.config.symbolAddr),
      ],
      controllers: [OmsController],
      providers: [
        { provide: OMS_CORE, useValue: core },
        {
          provide: OMS_USE_CASES,
          inject: [RISK_CLIENT, SYMBOL_CLIENT],
          useFactory: (risk: ClientGrpc, symbol: ClientGrpc) =>
            buildUseCases(
              core,
              new RiskGateway(
                risk.getService<riskV1.RiskServiceClient>(riskV1.RISK_SERVICE_NAME),
                core.config.riskTimeoutMs,
              ),
              new InstrumentCatalog(
                symbol.getService<symbolV1.SymbolServiceClient>(symbolV1.SYMBOL_SERVICE_NAME),
              ),
            ),
        },
        OmsLifecycle,
      ],
    };
  }
}
