import { Counter, Histogram, type Registry } from 'prom-client';

/** The service's own figures beside the kit's gRPC ones. */
export class RiskMetrics {
  /** Time inside risk per CheckOrder (mapping and every control), by result. */
  readonly checkSeconds: Histogram<'result'>;
  readonly rejections: Counter<'control'>;
  /** Bus events risk could not use, by topic and why (unknown instrument, late quote...). */
  readonly ignoredEvents: Counter<'topic' | 'reason'>;
  readonly killSwitchTrips: Counter;

  constructor(registry: Registry) {
    this.checkSeconds = new Histogram({
      name: 'risk_check_duration_seconds',
      help: 'Pre-trade check time inside risk (CheckOrder without the gRPC transport)',
      labelNames: ['result'],
      buckets: [2e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3],
      registers: [registry],
    });
    this.rejections = new Counter({
      name: 'risk_rejections_total',
      help: 'Pre-trade rejections by control (one order may count under several controls)',
      labelNames: ['control'],
      registers: [registry],
    });
    this.ignoredEvents = new Counter({
      name: 'risk_ignored_events_total',
      help: 'Bus events risk did not apply, by topic and reason',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    });
    this.killSwitchTrips = new Counter({
      name: 'risk_kill_switch_trips_total',
      help: 'Kill switches engaged by the daily loss limit',
      registers: [registry],
    });
  }
}
