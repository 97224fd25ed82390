import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { eventsV1 } from '@tapeline/contracts';
import { TimestampScalar } from '../graphql/scalars';
import { microsOf } from '../graphql/wire';
import { AlertGap } from '../live/live-gap.model';

export enum AlertKind {
  PRICE = 'PRICE',
  INDICATOR = 'INDICATOR',
  UNKNOWN_SYMBOL = 'UNKNOWN_SYMBOL',
  OFF_TICK_PRICE = 'OFF_TICK_PRICE',
  MALFORMED_MESSAGE = 'MALFORMED_MESSAGE',
  SEQUENCE_GAP = 'SEQUENCE_GAP',
  CROSSED_BOOK = 'CROSSED_BOOK',
  LOCKED_BOOK = 'LOCKED_BOOK',
  STALE_FEED = 'STALE_FEED',
  OUTLIER_PRICE = 'OUTLIER_PRICE',
  RISK = 'RISK',
}
registerEnumType(AlertKind, { name: 'AlertKind' });

export enum AlertSeverity {
  INFO = 'INFO',
  WARNING = 'WARNING',
  CRITICAL = 'CRITICAL',
}
registerEnumType(AlertSeverity, { name: 'AlertSeverity' });

@ObjectType()
export class AlertAttribute {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType({ description: 'A price, indicator, feed or risk alert.' })
export class Alert {
  @Field(() => ID) alertId!: string;
  @Field(() => AlertKind, { nullable: true, description: 'Null for a kind this gateway does not know yet.' })
  kind!: AlertKind | null;
  @Field(() => AlertSeverity, { nullable: true }) severity!: AlertSeverity | null;
  @Field(() => ID, { nullable: true, description: 'Null for alerts not tied to one instrument.' })
  instrumentId!: string | null;
  @Field(() => String, { nullable: true }) venue!: string | null;
  @Field({ description: 'Names what is wrong and the numbers involved.' }) message!: string;
  @Field(() => [AlertAttribute]) attributes!: AlertAttribute[];
  @Field({ description: 'The service that raised it.' }) source!: string;
  @Field(() => TimestampScalar) raisedAt!: number;
  @Field(() => AlertGap, {
    nullable: true,
    description:
      'Subscriptions only: set on the first alert of an instrument after some were dropped for a ' +
      'slow client (the alerts query still has them); null otherwise.',
  })
  gap?: AlertGap | null;
}

function enumName<E extends string>(
  values: Record<string, E>,
  protoName: string | undefined,
  prefix: string,
): E | null {
  const name = protoName?.replace(prefix, '');
  return name !== undefined && Object.hasOwn(values, name) ? values[name]! : null;
}

export function toAlert(e: eventsV1.AlertEvent): Alert {
  return {
    alertId: e.alertId,
    kind: enumName(AlertKind, eventsV1.AlertKind[e.kind], 'ALERT_KIND_'),
    severity: enumName(AlertSeverity, eventsV1.AlertSeverity[e.severity], 'ALERT_SEVERITY_'),
    instrumentId: e.instrumentId || null,
    venue: e.venue || null,
    message: e.message,
    attributes: Object.entries(e.attributes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value })),
    source: e.source,
    raisedAt: microsOf(e.raisedAtMicros),
  };
}
