import type { Logger } from '@tapeline/telemetry';
import { ColumnBatch, type HistoryRow, type RowWriter } from './column-batch';
import { HistoryError, toHistoryError } from './errors';
import type { ClickHouseStore } from './store';
import type { HistoryTable } from './table';

/** Why rows left the buffer without reaching the store. */
export type DropReason =
  /** The store was down or slow long enough that the table's buffer passed its bound. */
  | 'overflow'
  /** The engine refused the batch for a reason a retry cannot fix (e.g. a schema mismatch). */
  | 'rejected'
  /** close() ran out of time with rows still buffered. */
  | 'shutdown';

/** A prom-client Counter with labelNames ['table', 'reason'] fits this. */
export interface DroppedRowsCounter {
  inc(labels: { table: string; reason: DropReason }, value: number): void;
}

export interface BatchedInserterOptions {
  readonly store: ClickHouseStore;
  readonly logger: Logger;
  /** Rows per INSERT; a batch is sent as soon as it is full (default 20,000). */
  readonly batchRows?: number;
  /** Longest a row waits for its batch to fill before the batch is sent anyway (default 250 ms). */
  readonly lingerMs?: number;
  /** Rows one table may hold while the store is down; past it the oldest go (default 1,000,000). */
  readonly maxBufferedRows?: number;
  /**
   * Batches that queued behind an insert in flight go out together as one INSERT of up to this
   * many rows, when the store can (insertBatches): under a backlog the engine writes fewer, larger
   * parts. Default max(batchRows, 200,000), capped at maxBufferedRows - batchRows so the buffer
   * bound still holds while such an insert is in flight.
   */
  readonly maxInsertRows?: number;
  /** First retry delay after a failed insert; doubles per attempt up to retryMaxMs (default 100 ms). */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** Counts dropped rows by table and reason. */
  readonly droppedRows?: DroppedRowsCounter;
  /** Called for every drop, with the rows dropped. */
  readonly onDrop?: (table: string, rows: number, reason: DropReason) => void;
}

export interface InserterStats {
  readonly rowsAppended: number;
  readonly rowsInserted: number;
  readonly batchesInserted: number;
  /** Failed insert attempts that were retried. */
  readonly retries: number;
  readonly rowsDropped: number;
  /** Rows appended and not yet inserted or dropped, over all tables. */
  readonly rowsBuffered: number;
}

/**
 * Appends one table's rows field by field (see RowWriter and columnIndexes), without a row object:
 *
 *   const row = writer.begin();
 *   row.setString(T.instrument_id, e.instrumentId);
 *   row.setDecimal(T.price, e.price); // ... every insert column
 *   writer.commit();
 *
 * A setter or commit() that throws (HISTORY_ROW_INVALID, naming the column) leaves the row out;
 * the next begin() starts afresh. begin() throws HISTORY_CLOSED after close().
 */
export interface TableWriter {
  readonly table: HistoryTable;
  /** Starts a row in the table's filling batch. */
  begin(): RowWriter;
  /** Buffers the row begun; refuses it when a column has no value. */
  commit(): void;
}

/** One table's buffer: the batch filling, sealed batches oldest first, and those being sent. */
interface Lane {
  readonly table: HistoryTable;
  current: ColumnBatch | undefined;
  readonly queue: ColumnBatch[];
  sending: readonly ColumnBatch[];
  /** Batches to send one at a time: a group the engine refused is retried batch by batch. */
  solo: number;
  buffered: number;
  linger: NodeJS.Timeout | undefined;
  draining: boolean;
  attempt: number;
  backoff: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  readonly idleWaiters: (() => void)[];
  /** Emptied batches kept for reuse, so steady traffic allocates no new column arrays. */
  readonly spare: ColumnBatch[];
}

/**
 * Buffers history rows per table and writes them in large batches off the caller's path: append()
 * copies a row object into a preallocated columnar batch, a TableWriter (writer()) writes the
 * fields straight into it, and both return at once (no await, no I/O). A batch is sent when full
 * or after lingerMs; one insert per table is in flight at a time, so rows reach the store in order,
 * and batches that queued meanwhile go out together. A failed insert is retried with exponential
 * backoff while new rows keep buffering; beyond maxBufferedRows the oldest batches are dropped,
 * counted and logged.
 */
export class BatchedInserter {
  private readonly lanes = new Map<string, Lane>();
  private readonly batchRows: number;
  private readonly lingerMs: number;
  private readonly maxBufferedRows: number;
  private readonly maxInsertRows: number;
  private readonly maxSpares: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private closed = false;
  private aborted = false;
  private rowsAppended = 0;
  private rowsInserted = 0;
  private batchesInserted = 0;
  private retries = 0;
  private rowsDropped = 0;

  constructor(private readonly options: BatchedInserterOptions) {
    this.batchRows = options.batchRows ?? 20_000;
    this.lingerMs = options.lingerMs ?? 250;
    this.maxBufferedRows = options.maxBufferedRows ?? 1_000_000;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    const maxInsertRows = options.maxInsertRows ?? Math.max(this.batchRows, 200_000);
    const positive = {
      batchRows: this.batchRows,
      lingerMs: this.lingerMs,
      retryInitialMs: this.retryInitialMs,
      maxInsertRows,
    };
    for (const [name, v] of Object.entries(positive)) {
      if (!Number.isSafeInteger(v) || v <= 0) {
        throw new HistoryError('HISTORY_CONFIG_INVALID', `${name} must be a positive integer, got ${v}`);
      }
    }
    // Two batches may be out of the queue at once (the filling one and the one being sent); the
    // bound must leave room for at least one sealed batch, which is what overflow drops.
    if (!(this.maxBufferedRows >= 2 * this.batchRows)) {
      throw new HistoryError(
        'HISTORY_CONFIG_INVALID',
        `maxBufferedRows (${this.maxBufferedRows}) must be at least twice batchRows (${this.batchRows})`,
      );
    }
    this.maxInsertRows = Math.max(
      this.batchRows,
      Math.min(maxInsertRows, this.maxBufferedRows - this.batchRows),
    );
    // Emptied batches are kept for as many as one insert takes, so a steady backlog allocates none.
    this.maxSpares = Math.ceil(this.maxInsertRows / this.batchRows) + 1;
  }

  /**
   * Buffers one row. Returns at once; throws only for a row that does not fit the table
   * (HISTORY_ROW_INVALID, row not buffered) or after close() (HISTORY_CLOSED).
   */
  append(table: HistoryTable, row: HistoryRow): void {
    const lane = this.laneOf(table);
    this.begin(lane).append(row);
    this.committed(lane);
  }

  /**
   * The typed, allocation-free way to append to a table: fields written straight into the filling
   * batch's columns by position. Take it once (at startup) per table.
   */
  writer(table: HistoryTable): TableWriter {
    const lane = this.laneOf(table);
    return {
      table,
      begin: () => {
        const batch = this.begin(lane);
        batch.beginRow();
        return batch;
      },
      commit: () => {
        const batch = lane.current;
        if (batch === undefined) {
          throw new HistoryError('HISTORY_ROW_INVALID', `${table.name}: commit() without begin()`);
        }
        batch.commitRow();
        this.committed(lane);
      },
    };
  }

  stats(): InserterStats {
    let rowsBuffered = 0;
    for (const lane of this.lanes.values()) rowsBuffered += lane.buffered;
    return {
      rowsAppended: this.rowsAppended,
      rowsInserted: this.rowsInserted,
      batchesInserted: this.batchesInserted,
      retries: this.retries,
      rowsDropped: this.rowsDropped,
      rowsBuffered,
    };
  }

  /** Sends every buffered row now and resolves once the buffers are empty (inserted or dropped). */
  async flush(): Promise<void> {
    const idle: Promise<void>[] = [];
    for (const lane of this.lanes.values()) {
      this.seal(lane);
      idle.push(this.whenIdle(lane));
    }
    await Promise.all(idle);
  }

  /**
   * Refuses further rows and drains the buffers. Rows still buffered after timeoutMs (the store is
   * down) are dropped with reason 'shutdown', counted and logged. Does not close the store.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((res) => {
      timer = setTimeout(() => res('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.flush().then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'drained') return;
    this.aborted = true;
    const draining: Promise<void>[] = [];
    for (const lane of this.lanes.values()) {
      for (const batch of lane.queue.splice(0)) this.drop(lane, batch, 'shutdown');
      if (lane.backoff !== undefined) {
        clearTimeout(lane.backoff.timer);
        lane.backoff.wake();
      }
      draining.push(this.whenIdle(lane));
    }
    // An insert already in flight settles by itself (bounded by the store's request timeout).
    await Promise.all(draining);
  }

  private laneOf(table: HistoryTable): Lane {
    const lane = this.lanes.get(table.name) ?? this.addLane(table);
    if (lane.table !== table) {
      throw new HistoryError('HISTORY_SCHEMA_INVALID', `two different definitions of table ${table.name}`);
    }
    return lane;
  }

  /** The lane's filling batch (a new one, with its linger timer, when none). */
  private begin(lane: Lane): ColumnBatch {
    if (this.closed) {
      throw new HistoryError('HISTORY_CLOSED', `inserter is closed; ${lane.table.name} row refused`);
    }
    let batch = lane.current;
    if (batch === undefined) {
      batch = lane.current = lane.spare.pop() ?? new ColumnBatch(lane.table, this.batchRows);
      lane.linger = setTimeout(this.onLinger, this.lingerMs, lane);
      lane.linger.unref();
    }
    return batch;
  }

  private committed(lane: Lane): void {
    lane.buffered++;
    this.rowsAppended++;
    if (lane.current!.length >= this.batchRows) this.seal(lane);
  }

  private addLane(table: HistoryTable): Lane {
    const lane: Lane = {
      table,
      current: undefined,
      queue: [],
      sending: [],
      solo: 0,
      buffered: 0,
      linger: undefined,
      draining: false,
      attempt: 0,
      backoff: undefined,
      idleWaiters: [],
      spare: [],
    };
    this.lanes.set(table.name, lane);
    return lane;
  }

  private readonly onLinger = (lane: Lane): void => {
    lane.linger = undefined;
    this.seal(lane);
  };

  private seal(lane: Lane): void {
    if (lane.linger !== undefined) {
      clearTimeout(lane.linger);
      lane.linger = undefined;
    }
    const batch = lane.current;
    if (batch === undefined || batch.length === 0) return;
    lane.current = undefined;
    lane.queue.push(batch);
    this.enforceBound(lane);
    if (!lane.draining) void this.drain(lane);
  }

  private enforceBound(lane: Lane): void {
    while (lane.buffered > this.maxBufferedRows && lane.queue.length > 0) {
      this.drop(lane, lane.queue.shift()!, 'overflow');
    }
  }

  private drop(lane: Lane, batch: ColumnBatch, reason: DropReason, cause?: HistoryError): void {
    const rows = batch.length;
    lane.buffered -= rows;
    this.rowsDropped += rows;
    this.options.droppedRows?.inc({ table: lane.table.name, reason }, rows);
    this.options.onDrop?.(lane.table.name, rows, reason);
    this.options.logger.error(
      { table: lane.table.name, rows, reason, rowsDroppedTotal: this.rowsDropped, err: cause },
      `history: dropped ${rows} ${lane.table.name} rows (${reason})`,
    );
    this.recycle(lane, batch);
  }

  private recycle(lane: Lane, batch: ColumnBatch): void {
    batch.reset();
    if (lane.spare.length < this.maxSpares) lane.spare.push(batch);
  }

  private async drain(lane: Lane): Promise<void> {
    lane.draining = true;
    try {
      while (lane.queue.length > 0 && !this.aborted) {
        const group = this.takeGroup(lane);
        const rows = group.reduce((n, b) => n + b.length, 0);
        lane.sending = group;
        let failure: HistoryError | undefined;
        try {
          const store = this.options.store;
          if (group.length === 1) await store.insert(lane.table, group[0]!);
          else await store.insertBatches!(lane.table, group);
        } catch (err) {
          failure = toHistoryError(err, `insert into ${lane.table.name}`);
        }
        lane.sending = [];
        if (failure === undefined) {
          this.rowsInserted += rows;
          this.batchesInserted += group.length;
          lane.buffered -= rows;
          lane.attempt = 0;
          for (const batch of group) this.recycle(lane, batch);
        } else if (!failure.retryable && group.length > 1) {
          // Send them again one by one, so only a batch the engine refuses by itself is dropped.
          lane.queue.unshift(...group);
          lane.solo = group.length;
        } else if (!failure.retryable) {
          this.drop(lane, group[0]!, 'rejected', failure);
        } else if (this.aborted) {
          for (const batch of group) this.drop(lane, batch, 'shutdown', failure);
        } else {
          lane.queue.unshift(...group); // oldest again: overflow may drop them while the store is down
          this.retries++;
          lane.attempt++;
          const delay = this.backoffMs(lane.attempt);
          this.options.logger.warn(
            {
              table: lane.table.name,
              rows: lane.buffered,
              attempt: lane.attempt,
              retryInMs: delay,
              err: failure,
            },
            `history: insert into ${lane.table.name} failed; retrying`,
          );
          await new Promise<void>((wake) => {
            lane.backoff = { timer: setTimeout(wake, delay), wake };
          });
          lane.backoff = undefined;
        }
      }
    } finally {
      lane.draining = false;
      for (const resolve of lane.idleWaiters.splice(0)) resolve();
    }
  }

  /** The oldest queued batch, with those after it while they fit one insert of maxInsertRows. */
  private takeGroup(lane: Lane): ColumnBatch[] {
    const first = lane.queue.shift()!;
    const group = [first];
    if (lane.solo > 0) {
      lane.solo--;
      return group;
    }
    if (this.options.store.insertBatches === undefined) return group;
    let rows = first.length;
    while (lane.queue.length > 0 && rows + lane.queue[0]!.length <= this.maxInsertRows) {
      const next = lane.queue.shift()!;
      rows += next.length;
      group.push(next);
    }
    return group;
  }

  private backoffMs(attempt: number): number {
    const base = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(base * (0.8 + 0.4 * Math.random())); // jitter: replicas do not retry in step
  }

  private whenIdle(lane: Lane): Promise<void> {
    if (!lane.draining && lane.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => lane.idleWaiters.push(resolve));
  }
}
