// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('strategy');
void import('./strategy.service').then(({ strategyService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(strategyService, boot)),
);
