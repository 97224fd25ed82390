// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { startTracing } from '@tapeline/telemetry';

const tracing = startTracing('gateway');
void import('./gateway.service').then(({ gatewayService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(gatewayService, tracing)),
);
