import type { Logger } from '@tapeline/telemetry';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export interface DependencyCheck {
  readonly name: string;
  /** Resolves when the dependency is reachable; rejects (or times out) otherwise. */
  check(): Promise<void>;
}

/**
 * The service's health as grpc.health.v1 reports it: SERVING only once every dependency answered,
 * NOT_SERVING again when one stops answering, and for good once shutdown starts.
 */
export class HealthRegistry {
  private status: ServingStatus = 'NOT_SERVING';
  private shuttingDown = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(s: ServingStatus) => void>();
  private readonly dependencies: DependencyCheck[] = [];
  private lastFailure = new Map<string, string>();

  constructor(
    /** Fully qualified gRPC service names this process serves, e.g. tapeline.symbol.v1.SymbolService. */
    readonly services: readonly string[],
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
    private readonly checkTimeoutMs = 1500,
  ) {}

  addDependency(dep: DependencyCheck): void {
    this.dependencies.push(dep);
  }

  knows(service: string): boolean {
    return service === '' || this.services.includes(service);
  }

  current(): ServingStatus {
    return this.status;
  }

  onChange(listener: (s: ServingStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Checks now, then keeps checking in the background. Resolves after the first round. */
  async start(): Promise<void> {
    await this.evaluate();
    this.timer = setInterval(() => void this.evaluate(), this.intervalMs);
    this.timer.unref();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
    if (this.timer) clearInterval(this.timer);
    this.set('NOT_SERVING');
  }

  /** Resolves once SERVING, or rejects after `timeoutMs` naming the dependencies still failing. */
  waitUntilServing(timeoutMs: number): Promise<void> {
    if (this.status === 'SERVING') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        const failing = [...this.lastFailure.entries()].map(([n, e]) => `${n} (${e})`).join(', ');
        reject(new Error(`not SERVING after ${timeoutMs} ms; failing dependencies: ${failing || 'none'}`));
      }, timeoutMs);
      const off = this.onChange((s) => {
        if (s === 'SERVING') {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    });
  }

  private async evaluate(): Promise<void> {
    if (this.shuttingDown) return;
    const results = await Promise.all(
      this.dependencies.map(async (dep) => {
        try {
          await withTimeout(
            dep.check(),
            this.checkTimeoutMs,
            `${dep.name} did not answer within ${this.checkTimeoutMs} ms`,
          );
          if (this.lastFailure.delete(dep.name))
            this.logger.info({ dependency: dep.name }, 'dependency reachable again');
          return true;
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          if (this.lastFailure.get(dep.name) !== reason) {
            this.logger.warn({ dependency: dep.name, reason }, 'dependency unreachable');
          }
          this.lastFailure.set(dep.name, reason);
          return false;
        }
      }),
    );
    if (!this.shuttingDown) this.set(results.every(Boolean) ? 'SERVING' : 'NOT_SERVING');
  }

  private set(status: ServingStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.logger.info({ status }, 'health status changed');
    for (const l of [...this.listeners]) l(status);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
