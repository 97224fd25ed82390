// Tracing starts before anything loads @grpc/grpc-js: its instrumentation patches the module on load.
import { bootProcess } from '@tapeline/telemetry';

const boot = bootProcess('market-data');
void import('./market-data.service').then(({ marketDataService }) =>
  import('@tapeline/service-kit').then(({ runService }) => runService(marketDataService, boot)),
);
