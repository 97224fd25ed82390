// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { startTracing } from '@tapeline/telemetry';

const tracing = startTracing('symbol');
void import('./symbol.service').then(({ symbolService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(symbolService, tracing)),
);
