// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('symbol');
void import('./symbol.service').then(({ symbolService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(symbolService, boot)),
);
