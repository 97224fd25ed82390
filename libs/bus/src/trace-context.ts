import {
  ROOT_CONTEXT,
  TraceFlags,
  context as otelContext,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

// Trace context travels in W3C `traceparent`/`tracestate` headers. The globally registered
// propagator (set up by the service's OpenTelemetry SDK) is used first; when none is registered
// (tests, tools, a service without tracing) the W3C headers are still written and read here, so
// a trace that exists is never dropped at the bus.

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const setter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};
const getter = {
  get(carrier: Record<string, string>, key: string): string | undefined {
    return carrier[key];
  },
  keys(carrier: Record<string, string>): string[] {
    return Object.keys(carrier);
  },
};

/** Trace headers for the active context, or undefined when there is no trace (the common case). */
export function activeTraceHeaders(): Record<string, string> | undefined {
  const ctx = otelContext.active();
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier, setter);
  if (carrier[TRACEPARENT] === undefined) {
    const sc = trace.getSpanContext(ctx);
    if (sc && isSpanContextValid(sc)) {
      carrier[TRACEPARENT] =
        `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
      const state = sc.traceState?.serialize();
      if (state) carrier[TRACESTATE] = state;
    }
  }
  for (const _ in carrier) return carrier;
  return undefined;
}

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Context carrying the remote span of the given headers (ROOT_CONTEXT-based), if any. */
export function contextFromHeaders(headers: Record<string, string>): Context | undefined {
  let ctx = propagation.extract(ROOT_CONTEXT, headers, getter);
  if (trace.getSpanContext(ctx) === undefined) {
    const tp = headers[TRACEPARENT];
    const m = tp === undefined ? null : TRACEPARENT_RE.exec(tp.trim());
    if (!m || m[1] === 'ff') return ctx === ROOT_CONTEXT ? undefined : ctx;
    const sc: SpanContext = {
      traceId: m[2]!,
      spanId: m[3]!,
      traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED,
      isRemote: true,
    };
    const state = headers[TRACESTATE];
    if (state) {
      // Without a registered propagator there is no TraceState implementation to parse into; keep
      // the raw string reachable so nothing is lost when the message is forwarded.
      sc.traceState = rawTraceState(state);
    }
    if (!isSpanContextValid(sc)) return ctx === ROOT_CONTEXT ? undefined : ctx;
    ctx = trace.setSpanContext(ctx, sc);
  }
  return ctx;
}

function rawTraceState(raw: string): NonNullable<SpanContext['traceState']> {
  const entries = new Map<string, string>();
  for (const part of raw.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) entries.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const make = (m: Map<string, string>): NonNullable<SpanContext['traceState']> => ({
    get: (k) => m.get(k),
    set: (k, v) => make(new Map([[k, v], ...[...m].filter(([key]) => key !== k)])),
    unset: (k) => make(new Map([...m].filter(([key]) => key !== k))),
    serialize: () => [...m].map(([k, v]) => `${k}=${v}`).join(','),
  });
  return make(entries);
}

export { otelContext };
