// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { startTracing } from '@tapeline/telemetry';

const tracing = startTracing('aggregation');
void import('./aggregation.service').then(({ aggregationService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(aggregationService, tracing)),
);
