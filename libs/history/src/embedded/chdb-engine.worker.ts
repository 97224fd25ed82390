// The embedded store's engine thread: owns the chDB session and runs every statement with chDB's
// synchronous calls. They occupy this thread only, so neither the service's event loop nor libuv's
// shared thread pool (dns, fs, zlib) waits behind a large insert or a long query.
import { parentPort, workerData } from 'node:worker_threads';
import * as chdb from 'chdb';
import type { EngineColumn } from '../column-batch';
import {
  dictionaryParam,
  insertSource,
  type EngineReply,
  type EngineRequest,
  type EngineWorkerData,
} from './engine-protocol';

/** chDB's Arrow C Data Interface column descriptor (what registerArrowTable builds). */
interface NativeArrowColumn {
  name: string;
  format: 'i' | 'g' | 'l' | 'u';
  length: number;
  nullCount: 0;
  buffers: (Buffer | null)[];
}

// registerArrowTable() only takes JS string arrays for text columns and re-encodes each one; the
// batch already holds Arrow's Utf8 layout, so it goes to the addon entry that function wraps.
interface ArrowRegistry {
  _arrowRegisterColumns(connection: unknown, table: string, columns: NativeArrowColumn[]): void;
  _arrowUnregister(connection: unknown, table: string): void;
}

const FORMATS = { int32: 'i', float64: 'g', int64: 'l', uint64: 'l' } as const;

function bufferOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function nativeColumn(col: EngineColumn): NativeArrowColumn {
  if (col.kind === 'dictionary') {
    return {
      name: col.name,
      format: 'i',
      length: col.codes.length,
      nullCount: 0,
      buffers: [null, bufferOf(col.codes)],
    };
  }
  if (col.kind === 'string') {
    const length = col.offsets.length - 1;
    return {
      name: col.name,
      format: 'u',
      length,
      nullCount: 0,
      buffers: [null, bufferOf(col.offsets), bufferOf(col.bytes)],
    };
  }
  return {
    name: col.name,
    format: FORMATS[col.kind],
    length: col.values.length,
    nullCount: 0,
    buffers: [null, bufferOf(col.values)],
  };
}

function rowsOf(col: EngineColumn | undefined): number {
  if (col === undefined) return 0;
  if (col.kind === 'string') return col.offsets.length - 1;
  return col.kind === 'dictionary' ? col.codes.length : col.values.length;
}

function clickhouseCodeOf(err: unknown): number | undefined {
  const code = (err as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  return typeof code === 'number' ? code : undefined;
}

function fail(id: number, err: unknown): EngineReply {
  const message = err instanceof Error ? err.message : String(err);
  const clickhouseCode = clickhouseCodeOf(err);
  return clickhouseCode === undefined
    ? { id, ok: false, message }
    : { id, ok: false, message, clickhouseCode };
}

const port = parentPort!;
const config = workerData as EngineWorkerData;
const registry = chdb as unknown as Partial<ArrowRegistry>;
let session: chdb.Session | undefined;

try {
  if (
    typeof registry._arrowRegisterColumns !== 'function' ||
    typeof registry._arrowUnregister !== 'function'
  ) {
    throw new Error(
      `chdb ${chdb.version().chdb} has no Arrow column registration; @tapeline/history needs chdb 3.4+`,
    );
  }
  session = new chdb.Session(config.dataPath, { connectionArgs: [...config.connectionArgs] });
  session.query(`CREATE DATABASE IF NOT EXISTS ${config.database}`);
  session.query(`USE ${config.database}`);
  port.postMessage({
    id: 0,
    ok: true,
    text: session.query('SELECT version()', 'TabSeparated').trim(),
  } satisfies EngineReply);
} catch (err) {
  session?.close();
  session = undefined;
  port.postMessage(fail(0, err));
}

function handle(req: EngineRequest, s: chdb.Session): EngineReply {
  switch (req.op) {
    case 'command':
      s.query(req.sql, 'TabSeparated');
      return { id: req.id, ok: true };
    case 'query':
      return {
        id: req.id,
        ok: true,
        text:
          Object.keys(req.params).length === 0
            ? s.query(req.sql, 'JSONEachRow')
            : s.queryBind(req.sql, req.params, 'JSONEachRow'),
      };
    case 'insert': {
      const reg = registry as ArrowRegistry;
      const params: Record<string, readonly string[]> = {};
      let registered = 0;
      let rows = 0;
      try {
        for (const columns of req.sources) {
          reg._arrowRegisterColumns(s.connection, insertSource(registered), columns.map(nativeColumn));
          for (const col of columns) {
            if (col.kind === 'dictionary') params[dictionaryParam(registered, col.name)] = col.dictionary;
          }
          registered++;
          rows += rowsOf(columns[0]);
        }
        if (Object.keys(params).length === 0) s.query(req.sql, 'TabSeparated');
        else s.queryBind(req.sql, params, 'TabSeparated');
      } finally {
        for (let k = 0; k < registered; k++) reg._arrowUnregister(s.connection, insertSource(k));
      }
      return { id: req.id, ok: true, rows };
    }
    case 'close':
      s.close();
      session = undefined;
      return { id: req.id, ok: true };
  }
}

port.on('message', (req: EngineRequest) => {
  if (session === undefined) {
    port.postMessage({ id: req.id, ok: false, message: 'chDB session is closed' } satisfies EngineReply);
    return;
  }
  let reply: EngineReply;
  try {
    reply = handle(req, session);
  } catch (err) {
    reply = fail(req.id, err);
  }
  port.postMessage(reply);
  if (req.op === 'close') port.close();
});
