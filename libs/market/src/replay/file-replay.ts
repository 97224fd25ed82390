import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type MicrosClock } from '../clock';
import { MarketError } from '../errors';
import type { FeedAdapter, FeedSink, RawMarketEvent } from '../feed';
import {
  csvHeader,
  csvRow,
  decodeTickRecord,
  ndjsonRow,
  TickRecordError,
  type TickFileFormat,
} from './tick-record';

export interface ReplayProgress {
  /** Records handled so far (events delivered plus malformed lines reported). */
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface ReplaySummary extends ReplayProgress {
  readonly events: number;
  readonly malformed: number;
  /** True when stop() ended the replay before the end of the file. */
  readonly stopped: boolean;
}

export interface FileReplayOptions {
  readonly path: string;
  /** By the file name by default: ".csv" is CSV, anything else NDJSON. */
  readonly format?: TickFileFormat;
  /** Venue of records that name none, and this adapter's `venue`. */
  readonly venue?: string;
  /** 1 = recorded speed, 10 = ten times faster, 'max' = as fast as possible. */
  readonly speed?: number | 'max';
  /** 'recorded': receive time from the record (recv, else ts); 'replay': stamped at delivery. */
  readonly receiveTime?: 'recorded' | 'replay';
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Minimum wall time between two progress callbacks (the last one always comes). */
  readonly progressIntervalMs?: number;
  readonly clock?: MicrosClock;
}

const MAX_FRAME = 200;

/**
 * Replays a recorded tick file through the FeedAdapter port. start() resolves once the file is
 * open; `finished` resolves with the summary at the end of the file or after stop(). A line that
 * is not a valid record goes to the sink's onMalformed with its line number; nothing is thrown.
 * A file cannot produce a fresh snapshot: requestSnapshot is recorded (see `snapshotRequests`)
 * and the book recovers at the next snapshot record in the file, if any.
 */
export class FileReplay implements FeedAdapter {
  readonly venue: string;
  readonly snapshotRequests: string[] = [];
  private readonly format: TickFileFormat;
  private readonly clock: MicrosClock;
  private stopping = false;
  /** Cuts short a wait for the next record's time when stop() is called. */
  private readonly abort = new AbortController();
  private run: Promise<ReplaySummary> | undefined;

  constructor(private readonly options: FileReplayOptions) {
    this.venue = options.venue ?? 'REPLAY';
    this.format = options.format ?? (options.path.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson');
    this.clock = options.clock ?? systemClock;
    const speed = options.speed ?? 1;
    if (speed !== 'max' && !(speed > 0)) {
      throw new MarketError('INVALID_OPTION', `speed must be a positive number or "max", got ${speed}`);
    }
  }

  /** The replay's outcome; rejects only if the file becomes unreadable or the sink throws. */
  get finished(): Promise<ReplaySummary> {
    if (!this.run) throw new MarketError('INVALID_OPTION', 'replay not started');
    return this.run;
  }

  async start(sink: FeedSink): Promise<void> {
    if (this.run) throw new MarketError('ALREADY_STARTED', `replay of ${this.options.path} already started`);
    try {
      await access(this.options.path);
    } catch (err) {
      throw new MarketError('FILE_UNREADABLE', `cannot read ${this.options.path}: ${(err as Error).message}`);
    }
    const total = await countRecords(this.options.path, this.format);
    sink.onStatus({ state: 'connected', venue: this.venue });
    this.run = this.play(sink, total);
    // Callers that only await stop() must not see an unhandled rejection.
    this.run.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.run) await this.run.catch(() => undefined);
  }

  async requestSnapshot(symbol: string): Promise<void> {
    this.snapshotRequests.push(symbol);
  }

  private async play(sink: FeedSink, total: number): Promise<ReplaySummary> {
    const speed = this.options.speed ?? 1;
    const replayReceive = this.options.receiveTime === 'replay';
    const progressEvery = BigInt(Math.round((this.options.progressIntervalMs ?? 100) * 1000));
    const started = this.clock();
    let lastProgress = started;
    let firstTs: bigint | undefined;
    let header: string[] | undefined;
    let lineNo = 0;
    let events = 0;
    let malformed = 0;
    const progress = (): ReplayProgress => ({
      done: events + malformed,
      total,
      elapsedMs: Number(this.clock() - started) / 1000,
    });
    const lines = createInterface({ input: createReadStream(this.options.path), crlfDelay: Infinity });
    try {
      for await (const raw of lines) {
        lineNo++;
        if (this.stopping) break;
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        let event: RawMarketEvent;
        try {
          if (this.format === 'csv' && !header) {
            header = csvHeader(line);
            continue;
          }
          const fields = header ? csvRow(header, line) : ndjsonRow(line);
          event = decodeTickRecord(fields, { venue: this.venue, format: this.format });
        } catch (err) {
          if (!(err instanceof TickRecordError)) throw err;
          malformed++;
          sink.onMalformed({
            venue: this.venue,
            reason: `line ${lineNo}: ${err.message}`,
            frame: line.length > MAX_FRAME ? `${line.slice(0, MAX_FRAME)}...` : line,
            receiveTimeMicros: this.clock(),
            line: lineNo,
          });
          if (header === undefined && this.format === 'csv') break; // no header, nothing to read
          continue;
        }
        if (speed !== 'max') {
          firstTs ??= event.exchangeTimeMicros;
          const dueMicros = Number(event.exchangeTimeMicros - firstTs) / speed;
          const aheadMs = (dueMicros - Number(this.clock() - started)) / 1000;
          if (aheadMs >= 1)
            await sleep(aheadMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
          if (this.stopping) break;
        }
        if (replayReceive) event = { ...event, receiveTimeMicros: this.clock() };
        events++;
        sink.onEvent(event);
        const now = this.clock();
        if (this.options.onProgress && now - lastProgress >= progressEvery) {
          lastProgress = now;
          this.options.onProgress(progress());
        }
      }
    } finally {
      lines.close();
    }
    const summary = { ...progress(), events, malformed, stopped: this.stopping };
    this.options.onProgress?.(summary);
    return summary;
  }
}

/** Records in a file: lines that are neither blank nor comments, less the CSV header. */
async function countRecords(path: string, format: TickFileFormat): Promise<number> {
  let count = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) count++;
  }
  return format === 'csv' ? Math.max(0, count - 1) : count;
}
