import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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

/** A port the OS says is free now (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
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

  constructor(script: string, env: Record<string, string>, args: string[] = []) {
    this.child = spawn(process.execPath, [script, ...args], {
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

/** Starts one service from its build output. */
export function startService(name: ServiceName, env: Record<string, string>): RunningProcess {
  return new RunningProcess(path.join(REPO_ROOT, 'services', name, 'dist/main.js'), {
    GRPC_HOST: '127.0.0.1',
    ...env,
  });
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
