import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { checkGrpcHealth } from '@tapeline/service-kit';
import type { MeshPlan, ProcessPlan } from './mesh-plan';

const TAIL_LINES = 25;
const STOP_GRACE_MS = 12_000;

interface Supervised {
  plan: ProcessPlan;
  child: ChildProcess;
  log: WriteStream;
  tail: string[];
  exited: Promise<number | null>;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
}

export type MeshEvent =
  | { kind: 'ready'; elapsedMs: number }
  | { kind: 'crashed'; name: string; code: number | null; signal: NodeJS.Signals | null; tail: string[] };

/**
 * Runs every process of the plan, each with its output in <logDir>/<name>.log and the last lines
 * kept in memory, so that a crash can be reported with what the process said before it died.
 */
export class MeshSupervisor {
  private readonly procs: Supervised[] = [];
  private stopping = false;
  private crashHandler: (e: Extract<MeshEvent, { kind: 'crashed' }>) => void = () => undefined;

  constructor(private readonly plan: MeshPlan) {}

  onCrash(handler: (e: Extract<MeshEvent, { kind: 'crashed' }>) => void): void {
    this.crashHandler = handler;
  }

  start(): void {
    mkdirSync(this.plan.logDir, { recursive: true });
    for (const p of this.plan.processes) this.procs.push(this.spawn(p));
  }

  private spawn(plan: ProcessPlan): Supervised {
    const log = createWriteStream(path.join(this.plan.logDir, `${plan.name}.log`), { flags: 'a' });
    // An IPC channel ties each child to the launcher: if the launcher dies, the channel closes
    // and the child shuts itself down, so nothing is left running.
    const child = spawn(process.execPath, [plan.script], {
      env: { ...process.env, ...plan.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: Ctrl-C in the terminal reaches the launcher only, which then stops the
      // services before the broker they flush to.
      detached: true,
    });
    const s: Supervised = { plan, child, log, tail: [], exited: Promise.resolve(null) };
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        s.tail.push(line);
        if (s.tail.length > TAIL_LINES) s.tail.shift();
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    s.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        s.exitCode = code;
        s.signal = signal;
        resolve(code);
        if (!this.stopping) {
          this.crashHandler({ kind: 'crashed', name: plan.name, code, signal, tail: [...s.tail] });
        }
      });
    });
    return s;
  }

  /** Resolves when every process answers: SERVING on gRPC health, or an open TCP port. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.procs);
    while (pending.size > 0) {
      if (this.stopping) throw new Error('mesh is stopping');
      if (Date.now() > deadline) {
        throw new Error(
          `not ready after ${timeoutMs} ms: ${[...pending].map((p) => p.plan.name).join(', ')}`,
        );
      }
      await Promise.all(
        [...pending].map(async (p) => {
          if (await isReady(p.plan)) pending.delete(p);
        }),
      );
      if (pending.size > 0) await sleep(150);
    }
  }

  /**
   * SIGTERM to the services, then to the infrastructure they use (the broker), each wave followed
   * by SIGKILL for whatever still runs after the grace period: a service's graceful stop flushes
   * and commits to the broker, so the broker must outlive it. Returns those that did not exit cleanly.
   */
  async stop(): Promise<string[]> {
    this.stopping = true;
    const running = this.procs.filter((p) => p.exitCode === undefined && p.signal === undefined);
    const services = running.filter((p) => p.plan.grpcPort);
    const infrastructure = running.filter((p) => !p.plan.grpcPort);
    for (const wave of [services, infrastructure]) {
      for (const p of wave) p.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const p of wave) if (p.exitCode === undefined && p.signal === undefined) p.child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await Promise.all(wave.map((p) => p.exited));
      clearTimeout(timer);
    }
    await Promise.all(this.procs.map((p) => p.exited));
    await Promise.all(this.procs.map((p) => new Promise((r) => p.log.end(r))));
    return running
      .filter((p) => !(p.exitCode === 0 || p.signal === 'SIGTERM'))
      .map((p) => `${p.plan.name} (${p.signal ? `signal ${p.signal}` : `code ${p.exitCode}`})`);
  }
}

async function isReady(plan: ProcessPlan): Promise<boolean> {
  try {
    if (plan.grpcPort) return (await checkGrpcHealth(`127.0.0.1:${plan.grpcPort}`, '', 500)) === 'SERVING';
    if (plan.tcpPort) return await canConnect(plan.tcpPort);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
