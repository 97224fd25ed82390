// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('gateway');
void import('./gateway.service').then(({ gatewayService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(gatewayService, boot)),
);
