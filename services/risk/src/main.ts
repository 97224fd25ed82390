// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { startTracing } from '@tapeline/telemetry';

const tracing = startTracing('risk');
void import('./risk.service').then(({ riskService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(riskService, tracing)),
);
