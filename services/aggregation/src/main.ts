// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('aggregation');
void import('./aggregation.service').then(({ aggregationService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(aggregationService, boot)),
);
