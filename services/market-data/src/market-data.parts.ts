import type { Bus } from '@tapeline/bus';
import type { ClickHouseStore } from '@tapeline/history';
import type { HealthRegistry, ServiceContext } from '@tapeline/service-kit';
import type { Logger } from '@tapeline/telemetry';
import type { MarketDataConfig } from './config';
import { TickHistory } from './history/tick-history';
import { InstrumentCatalog } from './instruments/instrument-catalog';
import { MarketDataPipeline } from './pipeline/market-data-pipeline';

export const MARKET_DATA = Symbol('market-data.parts');

/** Everything the service is made of besides Nest: built once at boot, shared by controller and runtime. */
export interface MarketDataParts {
  readonly config: MarketDataConfig;
  readonly logger: Logger;
  readonly health: HealthRegistry;
  readonly bus: Bus;
  readonly catalog: InstrumentCatalog;
  readonly history: TickHistory;
  readonly pipeline: MarketDataPipeline;
}

export function createMarketData(
  ctx: ServiceContext<MarketDataConfig>,
  bus: Bus,
  store: ClickHouseStore,
): MarketDataParts {
  const { config, logger } = ctx;
  const catalog = new InstrumentCatalog();
  // The pipeline raises history drops on `alerts`, but the history exists first: it calls through.
  const late: { pipeline?: MarketDataPipeline } = {};
  const history = new TickHistory({
    store,
    logger,
    batchRows: config.historyBatchRows,
    lingerMs: config.historyLingerMs,
    maxBufferedRows: config.historyMaxBufferedRows,
    onDrop: (table, rows, reason) => late.pipeline?.historyDropped(table, rows, reason),
    droppedRows: { inc: (labels, value) => late.pipeline?.metrics.historyRowsDropped.inc(labels, value) },
  });
  const pipeline = new MarketDataPipeline({
    resolver: catalog,
    bus,
    history,
    logger,
    registry: ctx.metrics,
    depthLevels: config.depthLevels,
    staleThresholdMicros: BigInt(config.staleThresholdMs) * 1000n,
    outlierStdDevs: config.outlierStdDevs,
    streamBuffer: config.streamBuffer,
  });
  late.pipeline = pipeline;
  return { config, logger, health: ctx.health, bus, catalog, history, pipeline };
}
