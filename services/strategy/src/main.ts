// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { startTracing } from '@tapeline/telemetry';

const tracing = startTracing('strategy');
void import('./strategy.service').then(({ strategyService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(strategyService, tracing)),
);
