import pino, { type Logger } from 'pino';
import { context, trace } from '@opentelemetry/api';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, one object per line, with the active trace and span ids so a log line can
 * be joined to its trace. Times are UTC ISO-8601 with microseconds.
 */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      messageKey: 'msg',
      timestamp: () => `,"time":"${isoMicros()}"`,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getSpan(context.active());
        if (!span) return {};
        const ctx = span.spanContext();
        return { trace_id: ctx.traceId, span_id: ctx.spanId };
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

const perfOrigin = Date.now() * 1000 - Math.round(performance.now() * 1000);

/** Microseconds since the epoch, monotonic within the process (Date.now() has only milliseconds). */
export function nowMicros(): number {
  return perfOrigin + Math.round(performance.now() * 1000);
}

/** UTC ISO-8601 with six fractional digits: 2026-11-22T10:15:30.123456Z. */
export function isoMicros(micros: number = nowMicros()): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  const extra = String(micros - ms * 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${extra}Z`;
}
