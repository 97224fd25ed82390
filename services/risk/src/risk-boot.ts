import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '@tapeline/bus';
import type { RiskActor } from '@tapeline/risk-checks';
import { listAllInstruments, type ClientGrpc } from '@tapeline/service-kit';
import { nowMicros, type Logger } from '@tapeline/telemetry';
import type { RiskConfig } from './config';
import { RiskFeed } from './feed/risk-feed';
import type { RiskRuntime } from './risk-runtime';

/** Actor of the defaults read from the limits file (they are configuration, not journaled changes). */
const CONFIG_ACTOR: RiskActor = { userId: 'risk-config', clientId: 'risk', desk: '', role: 'system' };
const RETRY_MS = 500;

/**
 * The boot, after the gRPC server listens (NOT_SERVING until it is done): instruments from the
 * symbol service, the default limits, the bus topics, then the consumers and their replay of the
 * journal and the trading events. Then risk is ready: checks are answered, the daily loss limits
 * are armed and re-checked on a timer.
 */
export class RiskBoot implements OnApplicationBootstrap, OnApplicationShutdown {
  private feed: RiskFeed | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly risk: RiskRuntime,
    private readonly bus: Bus,
    private readonly symbol: ClientGrpc,
    private readonly config: RiskConfig,
    private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: the server must listen (and answer health) while the boot waits on others.
    void this.run().catch((err: unknown) => {
      if (this.stopping) return;
      this.logger.fatal({ err }, 'risk boot failed');
      this.logger.flush();
      process.exit(1);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.feed?.close();
  }

  private async run(): Promise<void> {
    const { risk } = this;
    const instruments = await this.retry('symbol ListInstruments', () => listAllInstruments(this.symbol));
    const added = instruments.filter((i) => risk.addInstrument(i)).length;
    this.logger.info({ instruments: added }, 'instruments loaded');

    risk.setStage('applying default limits');
    for (const setting of this.config.defaultLimits) {
      const id = setting.where.instrumentId;
      if (id !== undefined && !risk.gate.engine.instruments.find(id)) {
        this.logger.warn(
          { instrument: id, control: setting.control },
          'limits file names an unknown instrument',
        );
      }
      risk.board.apply(setting, CONFIG_ACTOR, nowMicros());
    }

    risk.setStage('connecting to the bus');
    await this.retry('bus topics', () => this.bus.ensureTopics());
    if (this.stopping) return;
    this.feed = new RiskFeed(
      this.bus,
      risk,
      { groupPrefix: this.config.consumerGroup, quietMs: this.config.replayQuietMs },
      this.logger,
    );
    await this.feed.start();

    risk.setStage('replaying journal, orders and executions');
    for (;;) {
      const pending = this.feed.replayPending();
      if (pending === undefined) break;
      if (this.stopping) return;
      risk.setStage(pending, false);
      await sleep(50);
    }
    risk.markReady();
    risk.watch.evaluate(nowMicros());
    this.timer = setInterval(() => risk.watch.evaluate(nowMicros()), this.config.pnlCheckMs);
    this.timer.unref();
    this.logger.info(
      {
        limits: risk.board.list().length,
        killSwitches: risk.board.engagedKillSwitches(),
        openOrders: risk.gate.engine.openOrders.size,
      },
      'risk ready',
    );
  }

  /** Retries until it succeeds (the dependency may start after us), logging each new reason. */
  private async retry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let lastReason = '';
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (reason !== lastReason) this.logger.warn({ what, reason }, 'boot step failed; retrying');
        lastReason = reason;
        if (this.stopping) throw new Error(`shut down while waiting for ${what}`, { cause: err });
        await sleep(RETRY_MS);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
