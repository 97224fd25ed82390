// Runs the broker CLI as a child process, so a test can SIGKILL it and start it again on the same
// port and data directory.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface SpawnBrokerOptions {
  dataDir: string;
  /** 0 (default) lets the broker pick a free port; pass the previous port to restart in place. */
  port?: number;
  host?: string;
  /** Extra environment for the broker (KAFKA_* settings). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Extra node flags for the broker process, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
}

export interface SpawnedBroker {
  host: string;
  port: number;
  pid: number;
  /** Log lines printed so far (stdout and stderr), for diagnostics. */
  output: string[];
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const MAIN = path.join(__dirname, '..', 'main.js');
const KEPT_LINES = 500;

export function spawnBroker(options: SpawnBrokerOptions): Promise<SpawnedBroker> {
  const host = options.host ?? '127.0.0.1';
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN], {
    env: {
      ...process.env,
      KAFKA_DEV_HOST: host,
      KAFKA_DEV_PORT: String(options.port ?? 0),
      KAFKA_DEV_DATA_DIR: options.dataDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stopped = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  return new Promise<SpawnedBroker>((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${why}\n${output.slice(-20).join('\n')}`));
    };
    const timer = setTimeout(() => fail('broker did not start in time'), options.startTimeoutMs ?? 20000);
    const onLine = (line: string): void => {
      output.push(line);
      if (output.length > KEPT_LINES) output.shift();
      if (settled || !line.includes('listening')) return;
      try {
        const entry = JSON.parse(line) as { port?: number; host?: string };
        if (typeof entry.port !== 'number') return;
        settled = true;
        clearTimeout(timer);
        resolve({
          host: entry.host ?? host,
          port: entry.port,
          pid: child.pid ?? -1,
          output,
          kill: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          },
          stopped,
        });
      } catch {
        // Not our JSON line; keep waiting.
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.length > 0) onLine(l);
      });
    }
    void stopped.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(`broker exited before listening (code ${code}, signal ${signal})`);
    });
  });
}
