/**
 * Boot-time configuration from environment variables. Every variable is read and checked before
 * the service starts, and all problems are reported together: an operator fixing a deployment
 * should see the whole list at once, not one error per restart.
 */
export interface ConfigProblem {
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `invalid configuration for ${service}: ${problems.length} problem(s)\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem.replace(/\n/g, '\n    ')}`).join('\n'),
    );
  }
}

export type Env = Record<string, string | undefined>;

/** One variable: how to parse it, and its default when absent (no default = required). */
export interface EnvVar<T> {
  readonly variable: string;
  read(env: Env): { value: T } | { problem: string };
}

function variable<T>(
  name: string,
  parse: (raw: string) => T | { problem: string },
  fallback?: T,
  optional = false,
): EnvVar<T> {
  return {
    variable: name,
    read(env) {
      const raw = env[name];
      if (raw === undefined || raw === '') {
        if (fallback !== undefined) return { value: fallback };
        if (optional) return { value: undefined as T };
        return { problem: 'is required but not set' };
      }
      const parsed = parse(raw);
      if (parsed !== null && typeof parsed === 'object' && 'problem' in (parsed as object)) {
        return parsed as { problem: string };
      }
      return { value: parsed as T };
    },
  };
}

export const env = {
  /** A variable with its own parser; return `{ problem }` to reject the value. */
  custom<T>(name: string, parse: (raw: string) => T | { problem: string }, fallback?: string): EnvVar<T> {
    const inner = variable(name, parse);
    return {
      variable: name,
      read: (source) => inner.read(fallback !== undefined && !source[name] ? { [name]: fallback } : source),
    };
  },
  string(name: string, fallback?: string): EnvVar<string> {
    return variable(name, (raw) => raw, fallback);
  },
  optionalString(name: string): EnvVar<string | undefined> {
    return variable<string | undefined>(name, (raw) => raw, undefined, true);
  },
  int(name: string, fallback?: number, range: { min?: number; max?: number } = {}): EnvVar<number> {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    return variable(
      name,
      (raw) => {
        if (!/^-?\d+$/.test(raw)) return { problem: `must be an integer, got "${raw}"` };
        const n = Number(raw);
        if (n < min || n > max) return { problem: `must be between ${min} and ${max}, got ${n}` };
        return n;
      },
      fallback,
    );
  },
  port(name: string, fallback?: number): EnvVar<number> {
    return variable(
      name,
      (raw) => {
        const n = Number(raw);
        if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
          return { problem: `must be a TCP port 1-65535, got "${raw}"` };
        }
        return n;
      },
      fallback,
    );
  },
  bool(name: string, fallback?: boolean): EnvVar<boolean> {
    return variable(
      name,
      (raw) => {
        const v = raw.toLowerCase();
        if (['true', '1', 'yes'].includes(v)) return true;
        if (['false', '0', 'no'].includes(v)) return false;
        return { problem: `must be true or false, got "${raw}"` };
      },
      fallback,
    );
  },
  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback?: T): EnvVar<T> {
    return variable(
      name,
      (raw) =>
        (allowed as readonly string[]).includes(raw)
          ? (raw as T)
          : { problem: `must be one of ${allowed.join(', ')}, got "${raw}"` },
      fallback,
    );
  },
  /** A gRPC target "host:port" (no scheme), e.g. "127.0.0.1:50051" or "symbol:50051". */
  hostPort(name: string, fallback?: string): EnvVar<string> {
    return variable(
      name,
      (raw) => {
        const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
          return { problem: `must be host:port, got "${raw}"` };
        }
        return raw;
      },
      fallback,
    );
  },
  url(name: string, fallback?: string, protocols: readonly string[] = ['http:', 'https:']): EnvVar<string> {
    return variable(
      name,
      (raw) => {
        try {
          const u = new URL(raw);
          if (!protocols.includes(u.protocol)) {
            return { problem: `must be a ${protocols.join(' or ')} URL, got "${raw}"` };
          }
          return raw;
        } catch {
          return { problem: `must be a URL, got "${raw}"` };
        }
      },
      fallback,
    );
  },
};

export type ConfigSpec = Record<string, EnvVar<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/**
 * Reads every variable of the spec. Extra checks (cross-field rules, libraries' own parsers such
 * as the bus config) add their problems through `extraProblems`, so that one error lists them all.
 */
export function loadConfig<S extends ConfigSpec>(
  service: string,
  spec: S,
  source: Env = process.env,
  extraProblems: (partial: Partial<ConfigOf<S>>) => ConfigProblem[] = () => [],
): ConfigOf<S> {
  const problems: ConfigProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(spec)) {
    const r = v.read(source);
    if ('problem' in r) problems.push({ variable: v.variable, problem: r.problem });
    else out[key] = r.value;
  }
  problems.push(...extraProblems(out as Partial<ConfigOf<S>>));
  if (problems.length > 0) throw new ConfigError(service, problems);
  return out as ConfigOf<S>;
}
