import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { RequirePermission } from '../auth/require-permission';
import { badInput } from '../graphql/errors';
import { InstrumentDirectory } from '../instruments/instrument-directory';
import { asYielded, type LiveContext } from '../live/live-context';
import { LiveSubscriptions } from '../live/live-subscriptions';
import { Alert } from './alert.model';
import { RecentAlerts } from './recent-alerts';

const MAX_ALERTS = 1000;

@Resolver()
export class AlertsResolver {
  constructor(
    @Inject(RecentAlerts) private readonly recent: RecentAlerts,
    @Inject(LiveSubscriptions) private readonly live: LiveSubscriptions,
    @Inject(InstrumentDirectory) private readonly instruments: InstrumentDirectory,
  ) {}

  @RequirePermission('alerts:read')
  @Query(() => [Alert], {
    description:
      'Recent alerts, newest first: of one instrument, or of all. Kept in memory by each gateway ' +
      'replica since it started (a bounded number per instrument).',
  })
  alerts(
    @Args('instrumentId', { type: () => ID, nullable: true }) instrumentId: string | null,
    @Args('last', { type: () => Int, defaultValue: 50, description: `1..${MAX_ALERTS}` }) last: number,
  ): Alert[] {
    if (!Number.isInteger(last) || last < 1 || last > MAX_ALERTS) {
      throw badInput('last', `must be between 1 and ${MAX_ALERTS}, got ${last}`);
    }
    return this.recent.latest(instrumentId ?? null, last);
  }

  @RequirePermission('alerts:read')
  @Subscription(() => Alert, {
    name: 'alerts',
    resolve: asYielded,
    description:
      'Alerts as they are raised: of the instruments, or every alert when instrumentIds is unset. A ' +
      'client too slow for them keeps a bounded buffer per instrument: the next alert delivered names ' +
      'those dropped in its gap.',
  })
  async liveAlerts(
    @Args('instrumentIds', { type: () => [ID], nullable: true }) instrumentIds: string[] | null,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Alert>> {
    const ids = instrumentIds ? await this.instruments.requireKnown(instrumentIds) : null;
    return this.live.alerts<Alert>(ids, ctx.connection);
  }
}
