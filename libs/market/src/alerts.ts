import type { eventsV1 } from '@tapeline/contracts';

/**
 * An alert the feed handler wants raised. The service gives it an id and its own name as source
 * (toAlertEvent), and may throttle or deduplicate before publishing on `alerts`.
 */
export type AlertCandidate = Omit<eventsV1.AlertEvent, 'alertId' | 'source'>;

export function toAlertEvent(
  candidate: AlertCandidate,
  alertId: string,
  source: string,
): eventsV1.AlertEvent {
  return { ...candidate, alertId, source };
}

export function alertCandidate(
  kind: eventsV1.AlertKind,
  severity: eventsV1.AlertSeverity,
  instrumentId: string,
  venue: string,
  message: string,
  attributes: Record<string, string>,
  raisedAtMicros: bigint,
): AlertCandidate {
  return {
    kind,
    severity,
    instrumentId,
    venue,
    message,
    attributes,
    raisedAtMicros: raisedAtMicros.toString(),
  };
}
