import { Redis } from 'ioredis';
import { toBarEvent } from '@tapeline/aggregates';
import type { Logger } from '@tapeline/telemetry';
import type { TrackedInstrument } from '../aggregation/instrument-registry';

/** The latest state of one instrument as readers (gateway replicas) find it in Redis. */
export interface LatestState {
  instrumentId: string;
  priceScale: number;
  sizeScale: number;
  asOfMicros: number;
  /** Forming bar per bar type (BarEvent, int64 as strings); absent before its first trade. */
  forming: Record<string, unknown>;
  sessionVwap: { vwap: number; volume: number; stdDev: number } | null;
  cumulativeDelta: number;
  profile: {
    pocPrice: number | null;
    valueAreaLow: number | null;
    valueAreaHigh: number | null;
    totalVolume: number;
  } | null;
}

const LOG_EVERY_MS = 10_000;

/**
 * Writes each instrument's latest state to Redis when REDIS_URL is set, so every gateway replica
 * reads the same thing: hash `<prefix>agg:<instrumentId>` with field `state` (the JSON above) and
 * `as_of_micros`, and the same JSON published on channel `<prefix>agg:<instrumentId>` (subscribe
 * with the pattern `<prefix>agg:*`). Best-effort: while Redis is down writes fail fast (no queue)
 * and the next update supersedes them.
 */
export class LatestStateCache {
  private readonly redis: Redis;
  private lastErrorLogAt = 0;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on('error', (err: Error) => this.logFailure(err));
  }

  keyOf(instrumentId: string): string {
    return `${this.prefix}agg:${instrumentId}`;
  }

  write(instrument: TrackedInstrument, asOfMicros: number): void {
    const state = describe(instrument, asOfMicros);
    const json = JSON.stringify(state);
    const key = this.keyOf(state.instrumentId);
    this.redis
      .multi()
      .hset(key, 'state', json, 'as_of_micros', String(asOfMicros))
      .publish(key, json)
      .exec()
      .catch((err: unknown) => this.logFailure(err));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private logFailure(err: unknown): void {
    if (Date.now() - this.lastErrorLogAt < LOG_EVERY_MS) return;
    this.lastErrorLogAt = Date.now();
    this.logger.warn({ err }, 'latest state not written to Redis');
  }
}

function describe(instrument: TrackedInstrument, asOfMicros: number): LatestState {
  const a = instrument.aggregates;
  const { instrumentId, priceScale, sizeScale } = instrument.spec;
  const forming: Record<string, unknown> = {};
  for (const barType of a.barTypes) {
    const bar = a.formingBar(barType);
    if (bar !== null) forming[barType] = toBarEvent(bar, priceScale, sizeScale);
  }
  const vwap = a.sessionVwapValue();
  const profile = a.sessionProfile();
  return {
    instrumentId,
    priceScale,
    sizeScale,
    asOfMicros,
    forming,
    sessionVwap: vwap === null ? null : { vwap: vwap.vwap, volume: vwap.volume, stdDev: vwap.stdDev },
    cumulativeDelta: a.cumulativeDelta,
    profile:
      profile === null
        ? null
        : {
            pocPrice: profile.pocPrice,
            valueAreaLow: profile.valueAreaLow,
            valueAreaHigh: profile.valueAreaHigh,
            totalVolume: profile.totalVolume,
          },
  };
}
