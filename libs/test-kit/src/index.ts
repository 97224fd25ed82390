import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { GRPC_LOADER_OPTIONS, HEALTH_PROTO, SERVICE_CONTRACTS, type ServiceName } from '@tapeline/contracts';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

// Ports for test services come from below the kernel's ephemeral range (32768+ here): a port
// from bind(0) can be taken by any outgoing connection between its release and the service's
// bind, which once failed a restart in CI. Each port is also reserved with a file, so parallel
// test processes never hand out the same one.
const PORT_LOW = 15_000;
const PORT_HIGH = 32_000;
const PORT_DIR = path.join(tmpdir(), 'tapeline-test-ports');
/** Reservations older than this belong to finished runs. */
const RESERVATION_TTL_MS = 2 * 60 * 60 * 1000;

function reserve(port: number): boolean {
  mkdirSync(PORT_DIR, { recursive: true });
  const file = path.join(PORT_DIR, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      const owner = Number(readFileSync(file, 'utf8'));
      const stale = Date.now() - statSync(file).mtimeMs > RESERVATION_TTL_MS || !processAlive(owner);
      if (stale) {
        writeFileSync(file, String(process.pid));
        return true;
      }
    } catch {
      // Raced with another process on the same file: pick another port.
    }
    return false;
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port free now and reserved for this test process (never one another test process holds). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
    if (reserve(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port between ${PORT_LOW} and ${PORT_HIGH} after 1000 tries`);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A real process of the workspace, with its output captured line by line. */
export class RunningProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(script: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const take = (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** The process id (for /proc/<pid>/stat CPU accounting); undefined if it failed to start. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** JSON log entries written so far (non-JSON lines skipped). */
  logs(): Record<string, unknown>[] {
    return this.lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  waitForLine(re: RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(`output matching ${re}`, async () => this.lines.find((l) => re.test(l)), timeoutMs, 50);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/**
 * Node flags for the services startService starts, from TAPELINE_SERVICE_NODE_ARGS (space
 * separated), for profiling a mesh without changing its code, e.g.
 * `TAPELINE_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`; TAPELINE_SERVICE_NODE_ARGS_ONLY
 * (comma separated service names) limits them to those services.
 */
export function serviceNodeArgs(name: string): string[] {
  const only = process.env.TAPELINE_SERVICE_NODE_ARGS_ONLY;
  if (
    only &&
    !only
      .split(',')
      .map((s) => s.trim())
      .includes(name)
  )
    return [];
  return (process.env.TAPELINE_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** Starts one service from its build output. */
export function startService(name: ServiceName, env: Record<string, string>): RunningProcess {
  return new RunningProcess(
    path.join(REPO_ROOT, 'services', name, 'dist/main.js'),
    { GRPC_HOST: '127.0.0.1', ...env },
    [],
    serviceNodeArgs(name),
  );
}

/** A plain grpc-js client for a service's contract (and the health service), promisified. */
export function grpcClient(service: ServiceName | 'health', address: string) {
  const proto = service === 'health' ? HEALTH_PROTO : SERVICE_CONTRACTS[service].proto;
  const pkgName = service === 'health' ? 'grpc.health.v1' : SERVICE_CONTRACTS[service].package;
  const svcName = service === 'health' ? 'Health' : SERVICE_CONTRACTS[service].service;
  let node = loadPackageDefinition(loadSync(proto, GRPC_LOADER_OPTIONS)) as GrpcObject;
  for (const part of pkgName.split('.')) node = node[part] as GrpcObject;
  const Ctor = node[svcName] as ServiceClientConstructor;
  const client = new Ctor(address, credentials.createInsecure());
  return {
    call<Res = Record<string, unknown>>(method: string, req: object, timeoutMs = 5000): Promise<Res> {
      return new Promise((resolve, reject) => {
        (client as unknown as Record<string, (...args: unknown[]) => void>)[method]!.call(
          client,
          req,
          { deadline: Date.now() + timeoutMs },
          (err: Error | null, res: Res) => (err ? reject(err) : resolve(res)),
        );
      });
    },
    close: () => client.close(),
    /** The underlying grpc-js client, for streaming calls. */
    raw: client as unknown as Record<string, (...args: unknown[]) => NodeJS.EventEmitter>,
  };
}

export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T | null;
    errors?: { message: string; extensions?: { code?: string }; path?: unknown[] }[];
  };
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphqlResponse<T>['body'] };
}

/**
 * An access token for one of the development clients of services/gateway/config/dev-clients.yaml
 * (client credentials grant), e.g. devClientToken(base, 'auditor') for `dev-auditor`.
 */
export async function devClientToken(gatewayBase: string, role: string): Promise<string> {
  const clientId = `dev-${role.replace(/_/g, '-')}`;
  const res = await fetch(`${gatewayBase}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: `${clientId}-secret-local-only`,
    }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) {
    throw new Error(
      `token for ${clientId}: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`,
    );
  }
  return body.access_token;
}

/**
 * A small seeded PRNG (mulberry32) for repeatable test and bench streams: the same seed gives the
 * same sequence of floats in [0, 1). Not for anything that needs statistical quality.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
