import { FixSessionError } from './errors';

export interface BackoffOptions {
  /** Delay before the first reconnect attempt, ms. Default 500. */
  readonly baseMs?: number;
  /** Ceiling of the delay, ms. Default 30 000. */
  readonly maxMs?: number;
  /** Fraction (0..1) of each delay drawn at random, so that many clients do not reconnect in step. Default 0.5. */
  readonly jitter?: number;
}

const DEFAULT_BASE_MS = 500;
const DEFAULT_MAX_MS = 30_000;
const DEFAULT_JITTER = 0.5;

/** Exponential backoff with jitter: attempt n waits up to min(max, base * 2^(n-1)), less a random share. */
export class ReconnectBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: number;

  /**
   * What is wrong with `options` (null: nothing). The constructor throws FixSessionError CONFIG with
   * this text; an adapter that raises its own config error checks first.
   */
  static problem(options: BackoffOptions = {}): string | null {
    const { baseMs = DEFAULT_BASE_MS, maxMs = DEFAULT_MAX_MS, jitter = DEFAULT_JITTER } = options;
    if (!(baseMs > 0)) return `backoff baseMs must be > 0, got ${baseMs}`;
    if (!(maxMs >= baseMs)) return `backoff maxMs (${maxMs}) must be >= baseMs (${baseMs})`;
    if (!(jitter >= 0 && jitter <= 1)) return `backoff jitter must be within 0..1, got ${jitter}`;
    return null;
  }

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    const problem = ReconnectBackoff.problem(options);
    if (problem !== null) throw new FixSessionError('CONFIG', problem);
    this.baseMs = options.baseMs ?? DEFAULT_BASE_MS;
    this.maxMs = options.maxMs ?? DEFAULT_MAX_MS;
    this.jitter = options.jitter ?? DEFAULT_JITTER;
  }

  /** Delay before reconnect attempt `attempt` (1 for the first retry). */
  delayMs(attempt: number): number {
    // Cap the exponent: 2^30 * base already exceeds any sensible maxMs.
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
    return Math.round(ceiling * (1 - this.jitter * this.random()));
  }
}
