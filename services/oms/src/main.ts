// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { startTracing } from '@tapeline/telemetry';

const tracing = startTracing('oms');
void import('./oms.service').then(({ omsService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(omsService, tracing)),
);
