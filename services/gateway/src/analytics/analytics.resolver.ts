import { Inject } from '@nestjs/common';
import { Args, ArgsType, Context, Field, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { aggregationV1 } from '@tapeline/contracts';
import { RequirePermission } from '../auth/require-permission';
import { apiError, badInput } from '../graphql/errors';
import { HistoryArgs, historyRange, loadHistory } from '../graphql/history';
import { TimestampScalar } from '../graphql/scalars';
import { wireTimestamp } from '../graphql/wire';
import { InstrumentDirectory } from '../instruments/instrument-directory';
import { asYielded, type LiveContext } from '../live/live-context';
import { LiveSubscriptions } from '../live/live-subscriptions';
import { AggregationClient } from './aggregation-client';
import {
  Bar,
  BarConnection,
  checkBarType,
  Delta,
  Heatmap,
  IndicatorKind,
  IndicatorSeries,
  toBar,
  toDelta,
  toHeatmap,
  toIndicatorSeries,
  toVolumeProfile,
  toVwap,
  VolumeProfile,
  Vwap,
  VwapMode,
} from './analytics.model';

const MAX_WINDOW_SECONDS = 7 * 86_400;

@ArgsType()
class BarHistoryArgs extends HistoryArgs {
  @Field({ description: '"1s", "1m", "1h", "1d", "tick:100", "volume:5000", "range:25".' }) barType!: string;
}

function checkRange(argument: string, value: number | null | undefined, min: number, max: number): number {
  const v = value ?? 0;
  if (value !== null && value !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
    throw badInput(argument, `must be between ${min} and ${max}, got ${v}`);
  }
  return v;
}

@Resolver()
export class AnalyticsResolver {
  constructor(
    @Inject(AggregationClient) private readonly aggregation: AggregationClient,
    @Inject(LiveSubscriptions) private readonly live: LiveSubscriptions,
    @Inject(InstrumentDirectory) private readonly instruments: InstrumentDirectory,
  ) {}

  @RequirePermission('history:read')
  @Query(() => BarConnection, { description: 'Closed bars (with footprints) in [from, to), oldest first.' })
  bars(@Args() args: BarHistoryArgs): Promise<BarConnection> {
    const barType = checkBarType(args.barType);
    return loadHistory(
      args,
      async (req) => {
        const res = await this.aggregation.call('listBars', { ...req, barType });
        return { items: res.bars, pageInfo: res.pageInfo };
      },
      toBar,
    );
  }

  @RequirePermission('analytics:read')
  @Query(() => Bar, { description: 'The bar being formed now.' })
  async formingBar(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('barType') barType: string,
  ): Promise<Bar> {
    checkBarType(barType);
    const res = await this.aggregation.call('getFormingBar', { instrumentId, barType });
    if (!res.bar) throw apiError('NOT_FOUND', `no ${barType} bar is forming for ${instrumentId}`);
    return toBar(res.bar);
  }

  @RequirePermission('analytics:read')
  @Query(() => Vwap, { description: 'Session, anchored or rolling VWAP with standard-deviation bands.' })
  async vwap(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('mode', { type: () => VwapMode, defaultValue: VwapMode.SESSION }) mode: VwapMode,
    @Args('anchor', { type: () => TimestampScalar, nullable: true, description: 'ANCHORED: from when.' })
    anchor: number | null,
    @Args('windowSeconds', { type: () => Int, nullable: true, description: 'ROLLING: the window.' })
    windowSeconds: number | null,
  ): Promise<Vwap> {
    if (mode === VwapMode.ANCHORED && (anchor === null || anchor === undefined)) {
      throw badInput('anchor', 'is required with mode ANCHORED');
    }
    if (mode === VwapMode.ROLLING && (windowSeconds === null || windowSeconds === undefined)) {
      throw badInput('windowSeconds', 'is required with mode ROLLING');
    }
    const res = await this.aggregation.call('getVwap', {
      instrumentId,
      mode: aggregationV1.VwapMode[`VWAP_MODE_${mode}`],
      ...(anchor !== null && anchor !== undefined ? { anchor: wireTimestamp(anchor) } : {}),
      windowSeconds: checkRange('windowSeconds', windowSeconds, 1, MAX_WINDOW_SECONDS),
    });
    return toVwap(res);
  }

  @RequirePermission('analytics:read')
  @Query(() => Delta, { description: 'Delta and cumulative delta per bar in [from, to), with divergences.' })
  async delta(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('barType') barType: string,
    @Args('from', { type: () => TimestampScalar }) from: number,
    @Args('to', { type: () => TimestampScalar, nullable: true }) to: number | null,
  ): Promise<Delta> {
    checkBarType(barType);
    return toDelta(
      await this.aggregation.call('getDelta', { instrumentId, barType, range: historyRange(from, to) }),
    );
  }

  @RequirePermission('analytics:read')
  @Query(() => VolumeProfile, { description: 'Volume by price over [from, to), or the current session.' })
  async volumeProfile(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('from', { type: () => TimestampScalar, nullable: true, description: 'Unset: the current session.' })
    from: number | null,
    @Args('to', { type: () => TimestampScalar, nullable: true }) to: number | null,
    @Args('rowTicks', { type: () => Int, nullable: true, description: 'Ticks per row; unset: one.' })
    rowTicks: number | null,
    @Args('valueAreaPercent', { type: () => Int, nullable: true, description: 'Unset: 70.' })
    valueAreaPercent: number | null,
  ): Promise<VolumeProfile> {
    if ((from === null || from === undefined) && to !== null && to !== undefined) {
      throw badInput('from', 'is required when to is set');
    }
    const res = await this.aggregation.call('getVolumeProfile', {
      instrumentId,
      ...(from !== null && from !== undefined ? { range: historyRange(from, to) } : {}),
      rowTicks: checkRange('rowTicks', rowTicks, 1, 1_000_000),
      valueAreaPercent: checkRange('valueAreaPercent', valueAreaPercent, 1, 100),
    });
    return toVolumeProfile(res);
  }

  @RequirePermission('analytics:read')
  @Query(() => Heatmap, { description: 'Resting liquidity by price over [from, to) on a fixed grid.' })
  async heatmap(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('from', { type: () => TimestampScalar }) from: number,
    @Args('to', { type: () => TimestampScalar, nullable: true }) to: number | null,
    @Args('timeStepSeconds', { type: () => Int, defaultValue: 60 }) timeStepSeconds: number,
    @Args('priceBucketTicks', { type: () => Int, defaultValue: 1 }) priceBucketTicks: number,
  ): Promise<Heatmap> {
    const res = await this.aggregation.call('getHeatmap', {
      instrumentId,
      range: historyRange(from, to),
      timeStepSeconds: checkRange('timeStepSeconds', timeStepSeconds, 1, 86_400),
      priceBucketTicks: checkRange('priceBucketTicks', priceBucketTicks, 1, 1_000_000),
    });
    return toHeatmap(res);
  }

  @RequirePermission('analytics:read')
  @Query(() => [IndicatorSeries], { description: 'Technical indicators over the latest closed bars.' })
  async indicators(
    @Args('instrumentId', { type: () => ID }) instrumentId: string,
    @Args('barType') barType: string,
    @Args('kinds', { type: () => [IndicatorKind] }) kinds: IndicatorKind[],
    @Args('period', { type: () => Int, nullable: true, description: 'Unset: the usual default.' })
    period: number | null,
    @Args('limit', { type: () => Int, defaultValue: 100, description: 'Latest bars, 1..1000.' })
    limit: number,
  ): Promise<IndicatorSeries[]> {
    checkBarType(barType);
    if (kinds.length === 0) throw badInput('kinds', 'must name at least one indicator');
    const res = await this.aggregation.call('getIndicators', {
      instrumentId,
      barType,
      kinds: kinds.map((k) => aggregationV1.IndicatorKind[`INDICATOR_KIND_${k}`]),
      period: checkRange('period', period, 1, 1000),
      limit: checkRange('limit', limit, 1, 1000),
    });
    return res.series.map(toIndicatorSeries);
  }

  @RequirePermission('analytics:read')
  @Subscription(() => Bar, {
    name: 'bars',
    resolve: asYielded,
    description: 'Forming updates (latest wins) and closes (every one) of the bar types.',
  })
  async liveBars(
    @Args('instrumentIds', { type: () => [ID] }) instrumentIds: string[],
    @Args('barTypes', { type: () => [String], defaultValue: ['1m'] }) barTypes: string[],
    @Args('includeForming', { defaultValue: true }) includeForming: boolean,
    @Context() ctx: LiveContext,
  ): Promise<AsyncIterator<Bar>> {
    if (barTypes.length === 0) throw badInput('barTypes', 'must name at least one bar type');
    for (const t of barTypes) checkBarType(t, 'barTypes');
    const ids = await this.instruments.requireKnown(instrumentIds);
    return this.live.bars<Bar>(ids, barTypes, includeForming, ctx.connection);
  }
}
