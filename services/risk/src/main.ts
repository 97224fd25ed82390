// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('risk');
void import('./risk.service').then(({ riskService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(riskService, boot)),
);
