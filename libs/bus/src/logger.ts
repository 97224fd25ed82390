// Minimal logger the bus writes through. The argument order (object first, message second) is
// pino's, so a service can pass its pino logger as is; the library itself stays framework-free.
export interface BusLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

type Level = 'info' | 'warn' | 'error';

/** How much of the underlying Kafka client's own logging reaches the bus logger. */
export type ClientLogLevel = Level;

// Default: one JSON line per record on stderr, so a library used without a logger still reports
// dead letters and publish failures instead of dropping them.
export function createStderrLogger(name = 'tapeline-bus', minLevel: Level = 'info'): BusLogger {
  const rank: Record<Level, number> = { info: 30, warn: 40, error: 50 };
  const write = (level: Level, obj: Record<string, unknown>, msg: string): void => {
    if (rank[level] < rank[minLevel]) return;
    let line: string;
    try {
      line = JSON.stringify({ level: rank[level], time: Date.now(), name, msg, ...obj }, errorReplacer);
    } catch {
      line = JSON.stringify({ level: rank[level], time: Date.now(), name, msg });
    }
    process.stderr.write(line + '\n');
  };
  return {
    info: (obj, msg) => write('info', obj, msg),
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
  };
}

// Errors serialise to {} by default; keep their name, message and stack in the log line.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
