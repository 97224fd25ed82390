import { symbolV1, type eventsV1 } from '@tapeline/contracts';
import { fromWireDecimal, rescale } from '@tapeline/fixed-point';
import type { AssetClass } from '@tapeline/instruments';
import { RISK_ENGINE_ACTOR } from '@tapeline/risk-checks';
import type { Logger } from '@tapeline/telemetry';
import type { Registry } from 'prom-client';
import { PreTradeGate } from './checks/pre-trade-gate';
import type { RiskConfig } from './config';
import { formatMoney } from './controls/control-catalog';
import { ControlBoard } from './controls/control-board';
import { JournalReplay, killSwitchReplayKey } from './feed/journal-replay';
import { tripAlert } from '@tapeline/risk-checks';
import { DailyLossWatch } from './positions/daily-loss-watch';
import { Portfolio } from './positions/portfolio';
import { PositionLedger } from './positions/position-ledger';
import { MarkBook } from './prices/mark-book';
import { PriceHistory } from './prices/price-history';
import { RiskReporter } from './report/risk-reporter';
import { RiskMetrics } from './risk-metrics';

/** Publishes an alert on the bus (the daily loss trip, for the oms to journal). */
export type AlertPublisher = (alert: eventsV1.AlertEvent) => Promise<void>;

/**
 * Everything risk holds in memory, wired together: the engine behind its gate, the controls
 * board, positions, marks and price history, the daily loss watch, the journal replay and the
 * reporter. Nothing here touches the network; the feed and the controller drive it.
 */
export class RiskRuntime {
  readonly gate = new PreTradeGate();
  readonly board = new ControlBoard(this.gate);
  readonly ledger: PositionLedger;
  readonly marks: MarkBook;
  readonly portfolio: Portfolio;
  readonly watch: DailyLossWatch;
  readonly replay: JournalReplay;
  readonly reporter: RiskReporter;
  readonly metrics: RiskMetrics;
  private stage = 'loading instruments from the symbol service';
  private isReady = false;

  constructor(
    config: RiskConfig,
    private readonly logger: Logger,
    registry: Registry,
    publishAlert: AlertPublisher,
    nowMicros: number,
  ) {
    const engine = this.gate.engine;
    this.metrics = new RiskMetrics(registry);
    this.ledger = new PositionLedger(engine, nowMicros);
    this.marks = new MarkBook(
      engine,
      new PriceHistory(config.varBucketSeconds * 1_000_000, config.varHistoryBuckets),
    );
    this.portfolio = new Portfolio(this.ledger, this.marks, engine);
    this.watch = new DailyLossWatch(
      this.board,
      this.portfolio,
      this.ledger,
      (trip, states) => {
        this.replay.noteLocalChange(killSwitchReplayKey(states.after), 'true');
        this.metrics.killSwitchTrips.inc();
        const figures = { loss: formatMoney(trip.loss), limit: formatMoney(trip.limit) };
        publishAlert(tripAlert(states, RISK_ENGINE_ACTOR, figures, trip.event.atMicros)).catch(
          (err: unknown) =>
            this.logger.error({ err, scope: trip.event.scopeKey }, 'kill switch trip alert not published'),
        );
      },
      logger,
    );
    this.replay = new JournalReplay(this.board, this.watch);
    this.reporter = new RiskReporter(this.portfolio, this.board, this.marks.history, {
      confidencePercent: config.varConfidencePercent,
      horizonDays: config.varHorizonDays,
      currency: config.reportCurrency,
    });
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** What the boot is doing while not ready (for health and UNAVAILABLE answers). */
  get bootStage(): string {
    return this.stage;
  }

  setStage(stage: string, log = true): void {
    this.stage = stage;
    if (log) this.logger.info({ stage }, 'boot');
  }

  markReady(): void {
    this.isReady = true;
    this.stage = 'ready';
    this.watch.arm();
  }

  /** An instrument of the master; false (and a warning) for one risk cannot value. */
  addInstrument(i: symbolV1.Instrument): boolean {
    const assetClass = symbolV1.AssetClass[i.assetClass]?.replace('ASSET_CLASS_', '');
    let multiplier = fromWireDecimal(i.multiplier);
    if (multiplier.mantissa === 0n) multiplier = { mantissa: 1n, scale: 0 };
    try {
      if (!assetClass || assetClass === 'UNSPECIFIED')
        throw new Error(`asset class ${i.assetClass} is unknown`);
      // Positions carry an integer contract multiplier (PositionBook); all seeded ones are.
      const whole = rescale(multiplier, 0).mantissa;
      this.gate.engine.addInstrument({
        instrumentId: i.instrumentId,
        assetClass: assetClass as AssetClass,
        priceScale: i.priceScale,
        sizeScale: i.sizeScale,
        multiplier,
      });
      this.ledger.defineInstrument(i.instrumentId, whole);
      return true;
    } catch (err) {
      this.logger.warn(
        { instrument: i.instrumentId, err: (err as Error).message },
        'instrument left out of risk',
      );
      return false;
    }
  }
}
