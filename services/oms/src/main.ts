// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('oms');
void import('./oms.service').then(({ omsService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(omsService, boot)),
);
