import { systemClock, type MicrosClock } from '../clock';
import { MarketError } from '../errors';
import type { FeedAdapter, FeedSink } from '../feed';
import { MarketSimulation, type SimulationOptions } from './market-simulation';

export interface SimulatedVenueOptions extends Omit<SimulationOptions, 'startTimeMicros'> {
  /**
   * 'realtime': events are delivered when their simulated exchange time comes (eventsPerSecond on
   * average, with bursts and quiet spells), in batches per timer tick. 'max': as fast as possible.
   */
  readonly pace?: 'realtime' | 'max';
  /** Timer tick of the realtime pace. */
  readonly tickMs?: number;
  /** Events per batch in 'max' pace (the event loop gets a turn between batches). */
  readonly batchSize?: number;
  /** Stop by itself after this many events (the sink then gets no more). */
  readonly maxEvents?: number;
  /** Start of simulated time; by default the clock at start() in realtime, a fixed date in max. */
  readonly startTimeMicros?: bigint;
  readonly clock?: MicrosClock;
}

/**
 * The simulated venue behind the FeedAdapter port: a seeded MarketSimulation delivered to a sink
 * in real time or as fast as possible, answering snapshot requests from its own book.
 */
export class SimulatedVenue implements FeedAdapter {
  readonly venue: string;
  private simulation: MarketSimulation | undefined;
  private sink: FeedSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private delivered = 0;
  private running = false;
  private readonly clock: MicrosClock;

  constructor(private readonly options: SimulatedVenueOptions) {
    this.venue = options.venue ?? 'SIM';
    this.clock = options.clock ?? systemClock;
    const tickMs = options.tickMs ?? 5;
    if (!(tickMs > 0)) throw new MarketError('INVALID_OPTION', `tickMs must be positive, got ${tickMs}`);
    // Validates the instruments now rather than at start().
    new MarketSimulation({ ...options, startTimeMicros: 0n });
  }

  /** Events delivered so far. */
  get eventCount(): number {
    return this.delivered;
  }

  async start(sink: FeedSink): Promise<void> {
    if (this.running) throw new MarketError('ALREADY_STARTED', `${this.venue} simulation is already running`);
    const pace = this.options.pace ?? 'realtime';
    const startTimeMicros = this.options.startTimeMicros ?? (pace === 'realtime' ? this.clock() : undefined);
    const simulation = new MarketSimulation({ ...this.options, venue: this.venue, startTimeMicros });
    this.simulation = simulation;
    this.sink = sink;
    this.running = true;
    sink.onStatus({ state: 'connected', venue: this.venue });
    if (pace === 'max') this.runFlat();
    else this.runRealtime(simulation.peekTimeMicros());
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  async requestSnapshot(symbol: string): Promise<void> {
    const simulation = this.simulation;
    if (!simulation) throw new MarketError('UNKNOWN_SYMBOL', `${this.venue} simulation is not running`);
    simulation.requestSnapshot(symbol);
  }

  private deliver(count: number, until?: bigint): void {
    const simulation = this.simulation!;
    const sink = this.sink!;
    const limit = this.options.maxEvents ?? Infinity;
    for (let i = 0; i < count && this.running; i++) {
      if (this.delivered >= limit) {
        void this.stop();
        return;
      }
      if (until !== undefined && simulation.peekTimeMicros() > until) return;
      this.delivered++;
      sink.onEvent(simulation.next());
    }
  }

  private runFlat(): void {
    const batch = this.options.batchSize ?? 4096;
    const loop = () => {
      if (!this.running) return;
      this.deliver(batch);
      if (this.running) this.immediate = setImmediate(loop);
    };
    this.immediate = setImmediate(loop);
  }

  private runRealtime(simStart: bigint): void {
    const tickMs = this.options.tickMs ?? 5;
    const rate = this.options.eventsPerSecond ?? 1000;
    // A process that cannot keep up falls behind (exchange times lag) instead of starving the loop.
    const maxPerTick = Math.max(1000, Math.ceil(((rate * tickMs) / 1000) * 20));
    const wallStart = this.clock();
    this.timer = setInterval(() => {
      if (!this.running) return;
      this.deliver(maxPerTick, simStart + (this.clock() - wallStart));
    }, tickMs);
  }
}
