import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler, BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing. Must run before @grpc/grpc-js is first required, since the gRPC
 * instrumentation patches it on load; services call it first thing in main.ts. (The OTLP
 * exporter is the HTTP/protobuf one for the same reason: the gRPC exporter would load grpc-js first.)
 * Spans are always recorded so the trace context flows across gRPC calls and into the logs; they
 * are exported over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (no collector runs locally).
 */
export function startTracing(service: string): Telemetry {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const sdk = new NodeSDK({
    serviceName: service,
    // HTTP picks up a caller's traceparent at the gateway; gRPC carries it across the mesh.
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/metrics' }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
    ],
    // Without a collector spans still record (so new traces get ids and the context flows) but go
    // nowhere. An empty list would make the SDK skip the tracer provider altogether.
    spanProcessors: [
      endpoint
        ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint }) })
        : new NoopSpanProcessor(),
    ],
    // Logs go to stdout through pino and metrics to /metrics through prom-client; without these
    // the SDK would build OTLP log and metric exporters from its env defaults.
    logRecordProcessors: [],
    metricReaders: [],
    sampler: new AlwaysOnSampler(),
    // Resource detectors read the host and environment; none is needed and they slow the start.
    resourceDetectors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

export interface ProcessBoot {
  readonly tracing: Telemetry;
  /** The service takes over SIGTERM/SIGINT once it has something to drain. */
  handleSignals(handler: (signal: string) => void): void;
}

/**
 * First call of every service's main.ts: tracing, and signal handling from the first moment.
 * A signal that arrives before the service took over finds nothing accepted yet: exit 0 at once.
 */
export function bootProcess(service: string): ProcessBoot {
  const tracing = startTracing(service);
  let handler: ((signal: string) => void) | undefined;
  const onSignal = (signal: string) => (handler ? handler(signal) : process.exit(0));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // Started by the local launcher with an IPC channel: if the launcher dies, stop too.
  if (process.send) process.once('disconnect', () => onSignal('launcher-gone'));
  return { tracing, handleSignals: (h) => (handler = h) };
}
