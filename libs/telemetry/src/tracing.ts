import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
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
    instrumentations: [new GrpcInstrumentation()],
    spanProcessors: endpoint ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint }) })] : [],
    sampler: new AlwaysOnSampler(),
    // Resource detectors read the host and environment; none is needed and they slow the start.
    resourceDetectors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
