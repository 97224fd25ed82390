import { Counter, type Registry } from 'prom-client';
import { AggregateError } from '@tapeline/aggregates';
import { PoisonMessageError, type ConsumedEvent, type EventConsumer } from '@tapeline/bus';
import type { eventsV1 } from '@tapeline/contracts';
import { nowMicros, type Logger } from '@tapeline/telemetry';
import type { InstrumentRegistry, TrackedInstrument } from '../aggregation/instrument-registry';
import type { InstrumentDirectory } from '../instruments/instrument-directory';

export const INGEST_TOPICS = ['trades', 'quotes', 'depth'] as const;
export type IngestTopic = (typeof INGEST_TOPICS)[number];
export type IngestEvent = ConsumedEvent<IngestTopic>;

export interface IngestTiming {
  /**
   * Bars are held open this long past their end (see BarClock). A message older than this when
   * handled (by its Kafka timestamp) means the consumer is replaying or behind: the clock stops,
   * as it could otherwise close a bar before one of its trades still waiting in the topic.
   */
  closeGraceMs: number;
}

/** After the consumer joined, how long it counts as catching up even if nothing old arrived yet. */
const WARMUP_MS = 3000;

/**
 * The handler of the `trades`, `quotes` and `depth` consumer: feeds each message to its
 * instrument's aggregates (created on the instrument's first message from the symbol service's
 * data) and records, per topic partition, the offset of the last message applied — the offsets a
 * checkpoint stores. Messages at or below the offsets of the restored checkpoint are skipped: the
 * restored state already holds them.
 *
 * Kafka orders messages per partition, not across topics, so only trades move an instrument's time
 * forward (and the clock, see BarClock): a quote or depth update is applied at its own time or at
 * the instrument's current time, whichever is earlier. Otherwise a quote read ahead of a trade of
 * the same instant would close the trade's bar before the trade is counted.
 */
export class MarketEventIngest {
  private readonly applied: Record<IngestTopic, number[]> = { trades: [], quotes: [], depth: [] };
  private readonly replayThrough: Record<IngestTopic, number[]> = { trades: [], quotes: [], depth: [] };
  private consumer: EventConsumer | null = null;
  private joinedAt = Infinity;
  private lastLateAt = 0;
  private readonly consumed: Counter<'topic'>;
  private readonly unknownInstruments: Counter;
  private readonly rejected: Counter<'topic' | 'code'>;
  private readonly depthGaps: Counter;
  private readonly graceMicros: number;

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly directory: InstrumentDirectory,
    private readonly logger: Logger,
    metrics: Registry,
    private readonly timing: IngestTiming,
  ) {
    this.graceMicros = timing.closeGraceMs * 1000;
    this.consumed = new Counter({
      name: 'aggregation_events_consumed_total',
      help: 'Market events applied to the aggregates, by topic',
      labelNames: ['topic'],
      registers: [metrics],
    });
    this.unknownInstruments = new Counter({
      name: 'aggregation_unknown_instrument_total',
      help: 'Messages for an instrument the symbol service does not know (dead-lettered)',
      registers: [metrics],
    });
    this.rejected = new Counter({
      name: 'aggregation_events_rejected_total',
      help: 'Messages the aggregates refused (dead-lettered), by topic and reason',
      labelNames: ['topic', 'code'],
      registers: [metrics],
    });
    this.depthGaps = new Counter({
      name: 'aggregation_depth_gaps_total',
      help: 'Depth diffs that did not follow the last sequence (heatmap waits for a snapshot)',
      registers: [metrics],
    });
  }

  /** Starts from a checkpoint's offsets ("<topic>:<partition>" -> last applied offset). */
  startFrom(offsets: Record<string, string>): void {
    for (const [key, offset] of Object.entries(offsets)) {
      const [topic, partition] = key.split(':') as [IngestTopic, string];
      if (!INGEST_TOPICS.includes(topic)) continue;
      this.applied[topic][Number(partition)] = Number(offset);
      this.replayThrough[topic][Number(partition)] = Number(offset);
    }
  }

  /** The offsets applied so far, in the checkpoint's form. */
  appliedOffsets(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const topic of INGEST_TOPICS) {
      this.applied[topic].forEach((offset, partition) => {
        if (offset !== undefined) out[`${topic}:${partition}`] = String(offset);
      });
    }
    return out;
  }

  /** The consumer feeding this ingest (null while there is none). */
  watch(consumer: EventConsumer | null): void {
    this.consumer = consumer;
    this.joinedAt = Infinity;
  }

  /**
   * Whether the consumer has caught up with the topics: it has been in its group for a while and
   * nothing it handled lately was old. Until then the clock leaves the instruments alone: during
   * a replay only the replayed trades may move time, or they would arrive after the bars they
   * belong to had closed.
   */
  isLive(now = Date.now()): boolean {
    if (this.consumer === null || this.consumer.state() !== 'running') {
      this.joinedAt = Infinity;
      return false;
    }
    if (this.joinedAt === Infinity) this.joinedAt = now;
    return now - this.joinedAt > WARMUP_MS && now - this.lastLateAt > 1000;
  }

  readonly handle = (e: IngestEvent): void | Promise<void> => {
    const offset = Number(e.offset);
    const through = this.replayThrough[e.topic][e.partition];
    if (through !== undefined && offset <= through) return;
    if (Date.now() - Number(e.timestamp) > this.timing.closeGraceMs) this.lastLateAt = Date.now();
    const instrumentId = e.value.instrumentId;
    const tracked = this.registry.get(instrumentId);
    if (tracked !== undefined) return this.apply(tracked, e, offset);
    return this.firstOf(instrumentId, e, offset);
  };

  private async firstOf(instrumentId: string, e: IngestEvent, offset: number): Promise<void> {
    if (instrumentId === '') return this.poison(e, offset, 'message has no instrument_id');
    // SymbolUnavailableError propagates: the bus retries the message with backoff.
    const spec = await this.directory.resolve(instrumentId);
    if (spec === null) {
      this.unknownInstruments.inc();
      this.logger.warn(
        { instrumentId, topic: e.topic, partition: e.partition, offset: e.offset },
        'message for an unknown instrument: dead-lettered',
      );
      return this.poison(
        e,
        offset,
        `unknown instrument "${instrumentId}": the symbol service does not know it`,
      );
    }
    this.apply(this.registry.get(instrumentId) ?? this.registry.add(spec), e, offset);
  }

  private apply(tracked: TrackedInstrument, e: IngestEvent, offset: number): void {
    try {
      switch (e.topic) {
        case 'trades':
          this.applyTrade(tracked, e.value);
          break;
        case 'quotes':
          this.applyQuote(tracked, e.value);
          break;
        case 'depth':
          this.applyDepth(tracked, e.value);
          break;
      }
    } catch (err) {
      if (!(err instanceof AggregateError)) throw err;
      if (err.code === 'SEQUENCE_GAP') {
        // A feed condition, not a bad message: the heatmap resyncs on the next snapshot.
        this.depthGaps.inc();
        this.logger.warn({ instrumentId: tracked.spec.instrumentId, reason: err.message }, 'depth gap');
      } else {
        this.rejected.inc({ topic: e.topic, code: err.code });
        return this.poison(e, offset, `${err.code}: ${err.message}`);
      }
    }
    this.applied[e.topic][e.partition] = offset;
    this.consumed.inc({ topic: e.topic });
  }

  private applyTrade(tracked: TrackedInstrument, t: eventsV1.TradeEvent): void {
    tracked.aggregates.onTradeEvent(t);
    const time = eventTime(t);
    if (time > tracked.watermark) tracked.watermark = time;
    tracked.dirty = true;
    if (this.isLive()) tracked.skewMicros = time - nowMicros();
  }

  private applyQuote(tracked: TrackedInstrument, q: eventsV1.QuoteEvent): void {
    const { priceScale, sizeScale, instrumentId } = tracked.spec;
    if (q.priceScale !== priceScale || q.sizeScale !== sizeScale) {
      throw new AggregateError(
        'SCALE_MISMATCH',
        `${instrumentId} quote has scales ${q.priceScale}/${q.sizeScale}, expected ${priceScale}/${sizeScale}`,
      );
    }
    const time = this.heldTime(tracked, eventTime(q));
    tracked.aggregates.onQuote(
      time,
      wireInt('quote sequence', q.sequence),
      wireInt('bid', q.bidPrice),
      wireInt('ask', q.askPrice),
    );
  }

  private applyDepth(tracked: TrackedInstrument, d: eventsV1.DepthEvent): void {
    const time = String(this.heldTime(tracked, eventTime(d)));
    tracked.aggregates.onDepthEvent({ ...d, exchangeTimeMicros: time, receiveTimeMicros: time });
  }

  /** A non-trade event's time, held at the instrument's current time (see the class comment). */
  private heldTime(tracked: TrackedInstrument, time: number): number {
    if (tracked.watermark !== -Infinity) return Math.min(time, tracked.watermark);
    // Nothing moved this instrument yet: stay a grace period behind, as the clock would.
    const held = time - this.graceMicros;
    tracked.watermark = held;
    return held;
  }

  private poison(e: IngestEvent, offset: number, reason: string): never {
    // Dead-lettering is final: a replay after a restart must not dead-letter it again.
    this.applied[e.topic][e.partition] = offset;
    throw new PoisonMessageError(reason);
  }
}

function wireInt(what: string, text: string): number {
  const n = text === '' ? NaN : Number(text);
  if (!Number.isSafeInteger(n))
    throw new AggregateError('UNSAFE_INTEGER', `${what} is not a safe integer: ${text}`);
  return n;
}

/** Exchange time, or receive time when the venue gave none (as the aggregates read it). */
function eventTime(e: { exchangeTimeMicros: string; receiveTimeMicros: string }): number {
  const exchange = wireInt('exchange time', e.exchangeTimeMicros);
  return exchange > 0 ? exchange : wireInt('receive time', e.receiveTimeMicros);
}
