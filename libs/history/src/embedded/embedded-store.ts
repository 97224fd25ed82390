import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { batchFor, type ColumnBatch, type HistoryRow } from '../column-batch';
import { HistoryError, toHistoryError } from '../errors';
import {
  ENGINE_SETTINGS,
  formatQueryParams,
  parseJsonEachRow,
  type ClickHouseStore,
  type QueryParams,
} from '../store';
import { assertIdentifier, type HistoryTable } from '../table';
import {
  dictionaryParam,
  insertSource,
  type EngineReply,
  type EngineRequest,
  type EngineWorkerData,
} from './engine-protocol';

export interface EmbeddedStoreOptions {
  /** The chDB data directory (created if missing). One per process: see EmbeddedClickHouseStore. */
  readonly dataPath: string;
  /** The service's database, created if missing. */
  readonly database: string;
}

// libchdb binds one data directory per process, and a second one opened while the first is live
// breaks the engine for the whole process. The store guards that here, before chDB sees it.
let openDataPath: string | undefined;

// INSERT ... SELECT from each batch registered as an Arrow table (UNION ALL: still one part per
// partition): the engine reads the shared typed arrays in place, converts staged values (DateTime64
// ticks, UInt64 bits) to the columns' types and expands LowCardinality codes from the batch's
// dictionary, bound as a parameter (never spliced into the SQL).
const insertSqlCache = new WeakMap<HistoryTable, string[]>();
function insertSql(table: HistoryTable, batches: number): string {
  let byCount = insertSqlCache.get(table);
  if (byCount === undefined) insertSqlCache.set(table, (byCount = []));
  let sql = byCount[batches];
  if (sql === undefined) {
    const names = table.insertColumns.map((c) => c.name).join(', ');
    const selects = Array.from({ length: batches }, (_, k) => {
      const exprs = table.insertColumns.map((c) =>
        c.dictionary
          ? `arrayElement({${dictionaryParam(k, c.name)}:Array(String)}, ${c.name})`
          : c.selectExpr,
      );
      return `SELECT ${exprs.join(', ')} FROM arrowstream('${insertSource(k)}')`;
    });
    sql = byCount[batches] = `INSERT INTO ${table.name} (${names}) ${selects.join(' UNION ALL ')}`;
  }
  return sql;
}

interface Pending {
  resolve(reply: EngineReply & { ok: true }): void;
  reject(err: HistoryError): void;
  what: string;
}

/**
 * The history store on embedded chDB. The engine runs in a worker thread: a call posts a message
 * (an insert posts views of the batches' shared column memory) and the service's event loop never
 * runs engine code. Only one may be open per process (chDB's limit); open it once at startup and share it.
 */
export class EmbeddedClickHouseStore implements ClickHouseStore {
  readonly kind = 'embedded' as const;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private failure: HistoryError | undefined;

  private constructor(
    readonly database: string,
    readonly dataPath: string,
    /** libchdb's ClickHouse version, e.g. "26.7.2.1". */
    readonly engineVersion: string,
    private readonly worker: Worker,
  ) {
    worker.on('message', (reply: EngineReply) => this.settle(reply));
    worker.on('error', (err) => this.fail(toHistoryError(err, 'chDB worker failed')));
    worker.on('exit', (code) => {
      openDataPath = undefined;
      if (this.closing === undefined) {
        this.fail(new HistoryError('HISTORY_UNAVAILABLE', `chDB worker exited unexpectedly (code ${code})`));
      }
    });
  }

  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedClickHouseStore> {
    assertIdentifier(options.database, 'database');
    const dataPath = resolve(options.dataPath);
    if (openDataPath !== undefined) {
      throw new HistoryError(
        'HISTORY_DATA_DIR_IN_USE',
        `chDB already has ${openDataPath} open in this process and binds one data directory per process; ` +
          `open one embedded store at startup and share it (asked for ${dataPath})`,
      );
    }
    openDataPath = dataPath;
    try {
      mkdirSync(dataPath, { recursive: true });
      // Load libchdb on the main thread too: when only a worker has loaded it, the process crashes
      // (SIGSEGV) as that worker exits. Loading it here keeps the library mapped for the process.
      await import('chdb');
      const workerData: EngineWorkerData = {
        dataPath,
        database: options.database,
        connectionArgs: Object.entries(ENGINE_SETTINGS).map(([k, v]) => `--${k}=${v}`),
      };
      const worker = new Worker(join(__dirname, 'chdb-engine.worker.js'), { workerData });
      const ready = await new Promise<EngineReply>((res, rej) => {
        worker.once('message', res);
        worker.once('error', rej);
      });
      if (!ready.ok) {
        await worker.terminate();
        throw toHistoryError(new Error(ready.message), `opening chDB at ${dataPath}`);
      }
      return new EmbeddedClickHouseStore(options.database, dataPath, ready.text ?? '', worker);
    } catch (err) {
      openDataPath = undefined;
      throw toHistoryError(err, `opening chDB at ${dataPath}`);
    }
  }

  async command(sql: string): Promise<void> {
    await this.send({ id: this.nextId++, op: 'command', sql }, 'command');
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    const reply = await this.send(
      { id: this.nextId++, op: 'query', sql, params: formatQueryParams(params) },
      'query',
    );
    return parseJsonEachRow<T>(reply.text ?? '');
  }

  async insert(table: HistoryTable, rows: ColumnBatch | readonly HistoryRow[]): Promise<number> {
    return this.insertBatches(table, [batchFor(table, rows)]);
  }

  async insertBatches(table: HistoryTable, batches: readonly ColumnBatch[]): Promise<number> {
    const sources = batches.filter((b) => batchFor(table, b).length > 0).map((b) => b.toEngineColumns());
    if (sources.length === 0) return 0;
    // The columns are views over the batches' shared memory: posting them copies no row data.
    const reply = await this.send(
      { id: this.nextId++, op: 'insert', sql: insertSql(table, sources.length), sources },
      `insert into ${table.name}`,
    );
    return reply.rows ?? 0;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.failure === undefined) {
        await this.send({ id: this.nextId++, op: 'close' }, 'close').catch(() => undefined);
      }
      await this.worker.terminate();
      openDataPath = undefined;
    })();
    return this.closing;
  }

  private send(req: EngineRequest, what: string): Promise<EngineReply & { ok: true }> {
    if (this.closing !== undefined && req.op !== 'close') {
      return Promise.reject(new HistoryError('HISTORY_CLOSED', `embedded store ${this.dataPath} is closed`));
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((res, rej) => {
      this.pending.set(req.id, { resolve: res, reject: rej, what });
      this.worker.postMessage(req);
    });
  }

  private settle(reply: EngineReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply);
    else {
      const cause = Object.assign(new Error(reply.message), { clickhouseCode: reply.clickhouseCode });
      p.reject(toHistoryError(cause, `chDB ${p.what}`));
    }
  }

  private fail(err: HistoryError): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
