// Test support: a minimal ClickHouse HTTP interface answered by chDB, so that the server adapter
// (@clickhouse/client and our SQL) runs against the real ClickHouse engine on a machine without a
// ClickHouse server. It implements what the client sends, not a whole server; see the README.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, gzip, inflate } from 'node:zlib';
import type { Session } from 'chdb';

export interface ChdbHttpEndpointOptions {
  /** chDB data directory (chDB allows one per process). */
  readonly dataPath: string;
  /** 0 (default) picks a free port; pass the old port to restart an endpoint in place. */
  readonly port?: number;
  /** When set, requests must authenticate as this user with this password. */
  readonly username?: string;
  readonly password?: string;
}

export interface ChdbHttpEndpoint {
  readonly url: string;
  readonly port: number;
  /** Requests answered so far (including failed ones). */
  readonly requests: number;
  close(): Promise<void>;
}

// URL parameters the HTTP interface consumes itself; every other one is an engine setting.
const HTTP_PARAMETERS = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'session_id',
  'session_timeout',
  'session_check',
  'buffer_size',
  'wait_end_of_query',
  'compress',
  'decompress',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'add_http_cors_header',
  'role',
]);

// ClickHouse's own mapping of exception codes to HTTP statuses, for the codes a client meets.
const HTTP_STATUS: Record<number, number> = {
  6: 400, // CANNOT_PARSE_TEXT
  27: 400, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  36: 400, // BAD_ARGUMENTS
  47: 400, // UNKNOWN_IDENTIFIER
  53: 400, // TYPE_MISMATCH
  62: 400, // SYNTAX_ERROR
  456: 400, // UNKNOWN_QUERY_PARAMETER
  60: 404, // UNKNOWN_TABLE
  81: 404, // UNKNOWN_DATABASE
  516: 401, // AUTHENTICATION_FAILED
};

const CONTENT_TYPES: Record<string, string> = {
  TabSeparated: 'text/tab-separated-values; charset=UTF-8',
  TSV: 'text/tab-separated-values; charset=UTF-8',
  CSV: 'text/csv; charset=UTF-8; header=absent',
  JSON: 'application/json; charset=UTF-8',
  JSONEachRow: 'application/x-ndjson; charset=UTF-8',
  JSONCompactEachRow: 'application/x-ndjson; charset=UTF-8',
};

// `INSERT INTO t [(a, b)] FORMAT F` with the rows in the body: what @clickhouse/client's insert()
// sends. It goes through chDB's raw insert so the summary can report written rows.
const PLAIN_INSERT =
  /^\s*INSERT\s+INTO\s+([A-Za-z0-9_.]+)\s*(?:\(([A-Za-z0-9_,\s]+)\))?\s*FORMAT\s+(JSONEachRow|JSONCompactEachRow|TabSeparated|TSV|CSV)\s*$/i;
const FORMAT_CLAUSE = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g;

class EndpointError extends Error {
  constructor(
    readonly clickhouseCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function settingLiteral(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : sqlString(value);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  switch (req.headers['content-encoding']) {
    case undefined:
    case 'identity':
      return raw;
    case 'gzip':
      return promisify(gunzip)(raw);
    case 'deflate':
      return promisify(inflate)(raw);
    case 'br':
      return promisify(brotliDecompress)(raw);
    default:
      throw new EndpointError(
        1001,
        'UNKNOWN_ENCODING',
        `Unknown Content-Encoding ${req.headers['content-encoding']}`,
      );
  }
}

function credentials(req: IncomingMessage, url: URL): { user: string; password: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return {
    user: String(req.headers['x-clickhouse-user'] ?? url.searchParams.get('user') ?? 'default'),
    password: String(req.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? ''),
  };
}

/** Starts the endpoint on 127.0.0.1; the chDB session lives until close(). */
export async function startChdbHttpEndpoint(options: ChdbHttpEndpointOptions): Promise<ChdbHttpEndpoint> {
  const chdb = await import('chdb');
  const session: Session = new chdb.Session(options.dataPath);
  const version = session.query('SELECT version()', 'TabSeparated').trim();
  let currentDatabase = 'default';
  const appliedSettings = new Map<string, string>();
  let requests = 0;
  // The session's current database and settings are per connection, so requests run one at a time.
  let queue: Promise<unknown> = Promise.resolve();

  async function execute(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ body: Buffer; headers: Record<string, string> }> {
    const expected = options.password === undefined ? undefined : { user: options.username ?? 'default' };
    if (expected !== undefined) {
      const given = credentials(req, url);
      if (given.user !== expected.user || given.password !== options.password) {
        throw new EndpointError(
          516,
          'AUTHENTICATION_FAILED',
          `${given.user}: Authentication failed: password is incorrect, or there is no user with such name`,
        );
      }
    }
    const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    const queryParam = url.searchParams.get('query') ?? '';
    const params = new Map<string, string>();
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) params.set(key.slice(6), value);
    }
    const database = url.searchParams.get('database') ?? 'default';
    if (database !== currentDatabase) {
      if (!SETTING_NAME.test(database))
        throw new EndpointError(81, 'UNKNOWN_DATABASE', `Database ${database} does not exist`);
      await session.queryAsync(`USE ${database}`);
      currentDatabase = database;
    }
    for (const [key, value] of url.searchParams) {
      if (HTTP_PARAMETERS.has(key) || key.startsWith('param_') || appliedSettings.get(key) === value)
        continue;
      if (!SETTING_NAME.test(key)) throw new EndpointError(115, 'UNKNOWN_SETTING', `Unknown setting ${key}`);
      await session.queryAsync(`SET ${key} = ${settingLiteral(value)}`);
      appliedSettings.set(key, value);
    }
    const insert = body.length > 0 ? PLAIN_INSERT.exec(queryParam) : null;
    const summary = {
      read_rows: '0',
      read_bytes: '0',
      written_rows: '0',
      written_bytes: '0',
      result_rows: '0',
      result_bytes: '0',
      elapsed_ns: '0',
    };
    if (insert !== null) {
      const columns = insert[2]?.split(',').map((c) => c.trim());
      const r = await session.insert({
        table: insert[1]!,
        values: body,
        format: insert[3] as 'TabSeparated',
        ...(columns !== undefined ? { columns } : {}),
      });
      summary.written_rows = String(r.rowsWritten);
      summary.written_bytes = String(r.bytesWritten);
      summary.elapsed_ns = String(Math.round(r.elapsed * 1e9));
      return { body: Buffer.alloc(0), headers: { 'X-ClickHouse-Summary': JSON.stringify(summary) } };
    }
    // The HTTP interface's query is the `query` parameter followed by the request body.
    const sql =
      queryParam === ''
        ? body.toString('utf8')
        : body.length > 0
          ? `${queryParam}\n${body.toString('utf8')}`
          : queryParam;
    if (sql.trim() === '') throw new EndpointError(62, 'SYNTAX_ERROR', 'Empty query');
    const format =
      FORMAT_CLAUSE.exec(queryParam === '' ? sql : queryParam)?.[1] ??
      url.searchParams.get('default_format') ??
      'TabSeparated';
    // Parameters reach the engine as the raw text the client sent, the way the server hands them
    // over: `SET param_x` makes the engine parse that text with the placeholder's declared type.
    // Session parameters outlive the request, so a placeholder this request did not send is
    // refused here as the server would, instead of silently taking an earlier request's value.
    for (const m of sql.matchAll(PLACEHOLDER)) {
      if (!params.has(m[1]!)) {
        throw new EndpointError(456, 'UNKNOWN_QUERY_PARAMETER', `Substitution \`${m[1]}\` is not set`);
      }
    }
    for (const [name, value] of params) {
      if (!SETTING_NAME.test(name))
        throw new EndpointError(36, 'BAD_ARGUMENTS', `Bad parameter name ${name}`);
      await session.queryAsync(`SET param_${name} = ${sqlString(value)}`);
    }
    const result = await session.queryAsync(sql, { format });
    summary.read_rows = String(result.rowsRead);
    summary.read_bytes = String(result.bytesRead);
    summary.elapsed_ns = String(Math.round(result.elapsed * 1e9));
    return {
      body: Buffer.from(result.bytes()),
      headers: {
        'X-ClickHouse-Format': format,
        'Content-Type': CONTENT_TYPES[format] ?? 'application/octet-stream',
        'X-ClickHouse-Summary': JSON.stringify(summary),
      },
    };
  }

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    const common = {
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Timezone': 'UTC',
      'X-ClickHouse-Server-Display-Name': 'chdb-http-endpoint',
    };
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'POST' && req.method !== 'GET')) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' })
        .end(`There is no handle ${url.pathname}\n`);
      return;
    }
    try {
      const run = queue.then(() => execute(req, url));
      queue = run.catch(() => undefined);
      const { body, headers } = await run;
      const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      if (url.searchParams.get('enable_http_compression') === '1' && acceptsGzip && body.length > 0) {
        const zipped = await promisify(gzip)(body);
        res.writeHead(200, { ...common, ...headers, 'Content-Encoding': 'gzip' }).end(zipped);
      } else {
        res.writeHead(200, { ...common, ...headers }).end(body);
      }
    } catch (err) {
      // ClickHouse's exception text, which @clickhouse/client parses into a ClickHouseError.
      const message = err instanceof Error ? err.message : String(err);
      const m = /Code: (\d+)\. ?(DB::Exception: [\s\S]*)$/.exec(message);
      const code = err instanceof EndpointError ? err.clickhouseCode : m ? Number(m[1]) : 1001;
      let text =
        err instanceof EndpointError
          ? `DB::Exception: ${err.message}. (${err.type})`
          : m
            ? m[2]!
            : `DB::Exception: ${message}. (STD_EXCEPTION)`;
      text = text.replace(/\s+$/, '');
      res
        .writeHead(HTTP_STATUS[code] ?? 500, {
          ...common,
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(code),
        })
        .end(`Code: ${code}. ${text} (version ${version})\n`);
    }
  }

  const server = createServer((req, res) => void respond(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      await chdb.drainPending();
      session.close();
    },
  };
}
